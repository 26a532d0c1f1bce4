import socket
import threading

import pytest

from tests.video import ASTRONAUT

# The case fixtures of the workflow tests: a trail on the workbench links the hall's snapshots.
from tests.workflow.conftest import citizen, department, file_case, item, staff  # noqa: F401
from video.fake_camera import FakeCamera


@pytest.fixture
def astronaut_camera():
    """A fake camera showing the astronaut photograph (512 x 512)."""
    with FakeCamera(ASTRONAUT, fps=10) as served:
        yield served


@pytest.fixture
def test_card_camera():
    with FakeCamera(None, fps=10) as served:
        yield served


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on: bound once, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(reply: bytes | None):
    """A loopback server that accepts, sends ``reply`` (if any) and then never says anything more."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)
            if reply is not None:
                conn.recv(4096)
                conn.sendall(reply)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        listener.close()


@pytest.fixture
def silent_server():
    """Accepts connections and never answers."""
    yield from _serve(None)


@pytest.fixture
def stalling_server():
    """Answers with MJPEG headers and half a part, then stalls."""
    reply = (
        b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n"
        b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 5000\r\n\r\n\xff\xd8\xff\xe0"
    )
    yield from _serve(reply)


@pytest.fixture
def bare_mjpeg_server():
    """MJPEG parts without Content-Length, boundary declared with its dashes, as some cameras do."""
    jpeg = ASTRONAUT.read_bytes()
    part = b"--myboundary\r\nContent-Type: image/jpeg\r\n\r\n" + jpeg + b"\r\n"
    head = b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=--myboundary\r\n\r\n"
    yield from _serve(head + part + part)
