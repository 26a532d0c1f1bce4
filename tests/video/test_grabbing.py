import os
import threading
import time

import cv2
import numpy as np

from tests.video import ASTRONAUT, EMPTY
from video.grabbing import MARGIN, encode_snapshot, grab_frames

# Generous for a loaded 2-core machine, still short enough to keep the suite quick.
TIMEOUT = 1.5


def grab(*urls: str, timeout: float = TIMEOUT):
    return grab_frames(list(enumerate(urls, start=1)), open_timeout=timeout, read_timeout=timeout)


def test_grabs_a_frame_from_an_mjpeg_stream(astronaut_camera):
    [result] = grab(astronaut_camera.url + "/stream.mjpg")
    assert result.ok, result.error
    assert result.frame.shape == (512, 512, 3)


def test_grabs_a_frame_from_an_mjpeg_stream_without_part_lengths(bare_mjpeg_server):
    [result] = grab(bare_mjpeg_server + "/video")
    assert result.ok, result.error
    assert result.frame.shape == (512, 512, 3)


def test_grabs_a_frame_from_a_jpeg_snapshot(astronaut_camera):
    [result] = grab(astronaut_camera.url + "/snapshot.jpg")
    assert result.ok, result.error
    assert result.frame.shape == (512, 512, 3)


def test_grabs_a_frame_from_an_image_file_by_path_and_by_url():
    by_path, by_url = grab(str(EMPTY), ASTRONAUT.as_uri())
    assert by_path.frame.shape == (400, 600, 3)
    assert by_url.frame.shape == (512, 512, 3)


def test_grabs_the_first_frame_of_a_video_file(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5, (160, 120))
    for shade in (50, 150):
        writer.write(np.full((120, 160, 3), shade, np.uint8))
    writer.release()
    [result] = grab(str(path))
    assert result.ok, result.error
    assert result.frame.shape == (120, 160, 3)


def test_results_keep_the_order_and_ids_given(astronaut_camera, closed_port):
    results = grab_frames([(7, f"http://127.0.0.1:{closed_port}/"), (3, astronaut_camera.url + "/snapshot.jpg")])
    assert [(r.camera_id, r.ok) for r in results] == [(7, False), (3, True)]


def test_a_closed_port_fails_quickly_as_connection_refused(closed_port):
    started = time.monotonic()
    [result] = grab(f"http://127.0.0.1:{closed_port}/snapshot.jpg")
    assert not result.ok
    assert result.error == "connection refused"
    assert time.monotonic() - started < 1


def test_a_silent_server_times_out_while_live_cameras_in_the_same_call_are_grabbed(
    astronaut_camera, test_card_camera, silent_server
):
    started = time.monotonic()
    silent, snapshot, stream = grab(
        silent_server + "/snapshot.jpg", astronaut_camera.url + "/snapshot.jpg", test_card_camera.url + "/stream.mjpg"
    )
    assert time.monotonic() - started < 2 * TIMEOUT + 1
    assert not silent.ok
    assert silent.error.startswith("timed out after")
    assert silent.seconds < 2 * TIMEOUT + 1
    assert snapshot.ok and stream.ok
    assert snapshot.seconds < TIMEOUT and stream.seconds < TIMEOUT


def test_a_stream_that_stalls_mid_frame_times_out(stalling_server):
    started = time.monotonic()
    [result] = grab(stalling_server + "/stream.mjpg")
    assert result.error.startswith("timed out after")
    assert time.monotonic() - started < 2 * TIMEOUT + 1


def test_a_page_that_is_not_an_image_is_an_error(astronaut_camera):
    help_page, missing = grab(astronaut_camera.url + "/", astronaut_camera.url + "/nowhere.jpg")
    assert help_page.error == "not an image (text/plain)"
    assert missing.error == "HTTP 404"


def test_bad_sources_are_errors_not_exceptions():
    missing, scheme, port = grab("/no/such/file.jpg", "ftp://127.0.0.1/x.jpg", "http://127.0.0.1:notaport/")
    assert (missing.error, scheme.error, port.error) == ("no such file", "unsupported source (ftp)", "bad URL")


def test_more_silent_servers_than_workers_still_finish_in_bounded_time(silent_server):
    started = time.monotonic()
    results = grab_frames([(n, silent_server) for n in range(8)], open_timeout=0.3, read_timeout=0.3, workers=4)
    assert all(r.error.startswith("timed out") for r in results)
    assert time.monotonic() - started < 2 * 0.6 + 2


def test_a_worker_stuck_past_its_timeouts_is_abandoned(tmp_path):
    # Opening a FIFO with no writer blocks in the C library, deaf to any timeout of ours.
    fifo = tmp_path / "stuck"
    os.mkfifo(fifo)
    try:
        started = time.monotonic()
        stuck, live = grab_frames([(1, str(fifo)), (2, str(EMPTY))], open_timeout=0.3, read_timeout=0.3)
        assert time.monotonic() - started < 0.6 + MARGIN + 1
        assert stuck.error == "timed out after 0.6 s"
        assert live.ok
    finally:
        _release_readers(fifo)


def _release_readers(fifo):
    """Let the abandoned worker go: each writer that opens and closes the FIFO gives its reader an EOF."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(t.name.startswith("grab") for t in threading.enumerate()):
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass  # no reader yet (ENXIO)
        time.sleep(0.05)


def test_encode_snapshot_downscales_to_max_width_as_jpeg():
    frame = np.zeros((720, 1280, 3), np.uint8)
    data = encode_snapshot(frame, max_width=640)
    assert data[:2] == b"\xff\xd8"
    assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape == (360, 640, 3)


def test_encode_snapshot_never_upscales():
    data = encode_snapshot(np.zeros((100, 200, 3), np.uint8), max_width=640)
    assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).shape == (100, 200, 3)
