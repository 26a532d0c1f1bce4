"""A fake IP camera on loopback for the demo and the tests: a JPEG snapshot and an MJPEG stream.

    camera = FakeCamera("tests/data/astronaut.jpg", port=0).start()
    grab_frames([(1, camera.url + "/snapshot.jpg")])
    camera.stop()

The source is an image (served as is), a video file (frames looped) or, without one, a generated
test card with the time on it.
"""

import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np

BOUNDARY = "fakecameraframe"
HELP = """Sunshine Portal fake camera.

GET /snapshot.jpg   one JPEG of the current frame
GET /stream.mjpg    MJPEG (multipart/x-mixed-replace), one frame every 1/fps s
"""


class FrameSource:
    """The current frame as JPEG bytes; safe to call from many request threads."""

    def __init__(self, path: str | Path | None = None, quality: int = 85):
        self.quality = quality
        self._lock = threading.Lock()
        self._still: bytes | None = None
        self._capture: cv2.VideoCapture | None = None
        self._started = time.monotonic()
        self._video_fps = 0.0
        self._frame_index = -1
        self._last_jpeg = b""
        if path is None:
            return
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is not None:
            self._still = self._encode(image)
            return
        capture = cv2.VideoCapture(str(path))
        if not capture.isOpened():
            raise ValueError(f"neither an image nor a video OpenCV can read: {path}")
        self._capture = capture
        self._video_fps = capture.get(cv2.CAP_PROP_FPS) or 10.0

    def jpeg(self) -> bytes:
        if self._still is not None:
            return self._still
        if self._capture is not None:
            return self._video_jpeg()
        return self._encode(test_card())

    def close(self) -> None:
        with self._lock:
            if self._capture is not None:
                self._capture.release()
                self._capture = None

    def _video_jpeg(self) -> bytes:
        # Play at the file's own speed whatever the clients ask, so every client sees "now".
        wanted = int((time.monotonic() - self._started) * self._video_fps)
        with self._lock:
            if self._capture is None:
                return self._last_jpeg
            frame = None
            while self._frame_index < wanted:
                ok, frame = self._capture.read()
                if not ok:
                    self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    ok, frame = self._capture.read()
                    self._started, wanted = time.monotonic(), 0
                    self._frame_index = -1
                    if not ok:
                        break
                self._frame_index += 1
            if frame is not None or not self._last_jpeg:
                if frame is None:
                    self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    ok, frame = self._capture.read()
                    frame = frame if ok else test_card()
                self._last_jpeg = self._encode(frame)
            return self._last_jpeg

    def _encode(self, frame: np.ndarray) -> bytes:
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:
            raise ValueError("frame could not be encoded as JPEG")
        return data.tobytes()


def test_card(width: int = 640, height: int = 360) -> np.ndarray:
    """Colour bars with the local time on them."""
    card = np.zeros((height, width, 3), np.uint8)
    colours = [(255, 255, 255), (0, 255, 255), (255, 255, 0), (0, 255, 0), (255, 0, 255), (0, 0, 255), (255, 0, 0)]
    bar = width // len(colours)
    for index, colour in enumerate(colours):
        card[:, index * bar : (index + 1) * bar] = colour
    stamp = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
    cv2.rectangle(card, (0, height - 60), (width, height), (0, 0, 0), -1)
    cv2.putText(card, stamp, (20, height - 20), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2, cv2.LINE_AA)
    return card


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:  # noqa: N802 (the name http.server dispatches on)
        path = self.path.split("?")[0]
        if path == "/snapshot.jpg":
            self._send(200, "image/jpeg", self.server.source.jpeg())
        elif path == "/stream.mjpg":
            self._stream()
        elif path == "/":
            self._send(200, "text/plain; charset=utf-8", HELP.encode())
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found\n")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        interval = 1.0 / self.server.fps
        try:
            while not self.server.stopping.is_set():
                jpeg = self.server.source.jpeg()
                head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
                self.wfile.write(head.encode("ascii") + jpeg + b"\r\n")
                self.wfile.flush()
                self.server.stopping.wait(interval)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client left, which is how an MJPEG stream ends

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        if self.server.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, source: FrameSource, fps: float, verbose: bool):
        self.source, self.fps, self.verbose = source, fps, verbose
        self.stopping = threading.Event()
        super().__init__(address, _Handler)


class FakeCamera:
    """A fake camera server: ``start()`` serves in a daemon thread, ``stop()`` ends it."""

    def __init__(
        self,
        source: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        fps: float = 2.0,
        verbose: bool = False,
    ):
        self.frames = FrameSource(source)
        self.server = _Server((host, port), self.frames, fps, verbose)
        self.host, self.port = self.server.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "FakeCamera":
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-camera-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self.frames.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeCamera":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
