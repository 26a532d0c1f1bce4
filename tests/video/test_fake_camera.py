import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.video import ASTRONAUT
from video.fake_camera import FakeCamera

ROOT = Path(__file__).resolve().parents[2]


def fetch(url: str, timeout: float = 10) -> tuple[str, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.headers["Content-Type"], response.read()


def decode(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def test_snapshot_is_a_jpeg_of_the_source_image(astronaut_camera):
    content_type, body = fetch(astronaut_camera.url + "/snapshot.jpg")
    assert content_type == "image/jpeg"
    assert decode(body).shape == (512, 512, 3)


def test_stream_sends_jpeg_parts_between_boundaries(astronaut_camera):
    with urllib.request.urlopen(astronaut_camera.url + "/stream.mjpg", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("multipart/x-mixed-replace; boundary=")
        head = response.read(4096)
    assert head.startswith(b"--fakecameraframe\r\nContent-Type: image/jpeg\r\n")
    assert b"\r\n\r\n\xff\xd8" in head


def test_without_a_source_serves_a_test_card(test_card_camera):
    _, body = fetch(test_card_camera.url + "/snapshot.jpg")
    assert decode(body).shape == (360, 640, 3)


def test_loops_the_frames_of_a_video_file(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 20, (160, 120))
    for shade in range(0, 250, 50):
        writer.write(np.full((120, 160, 3), shade, np.uint8))
    writer.release()
    with FakeCamera(path) as video_camera:
        shades = set()
        for _ in range(6):
            shades.add(int(decode(fetch(video_camera.url + "/snapshot.jpg")[1]).mean()) // 25)
            time.sleep(0.06)
    assert len(shades) > 1


def test_root_is_a_help_text_and_other_paths_are_404(astronaut_camera):
    content_type, body = fetch(astronaut_camera.url + "/")
    assert content_type.startswith("text/plain") and b"/stream.mjpg" in body
    with pytest.raises(urllib.error.HTTPError) as raised:
        fetch(astronaut_camera.url + "/nowhere")
    assert raised.value.code == 404


def test_a_missing_source_file_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError):
        FakeCamera(tmp_path / "nothing.jpg")


def test_command_serves_a_snapshot_until_terminated():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "manage.py", "fake_camera", "--port", str(port), "--source", str(ASTRONAUT)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        body = _fetch_when_up(f"http://127.0.0.1:{port}/snapshot.jpg", process)
        assert decode(body).shape == (512, 512, 3)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _fetch_when_up(url: str, process: subprocess.Popen, within: float = 30) -> bytes:
    deadline = time.monotonic() + within
    while True:
        try:
            return fetch(url, timeout=5)[1]
        except urllib.error.URLError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
