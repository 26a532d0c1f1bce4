"""Pull one current frame from many cameras at once, with open and read timeouts.

Every source runs in its own worker thread and carries its own budget (``open_timeout`` to connect
or open, ``read_timeout`` for every read after that, and never more than both together in all), so
a dead or hanging camera costs at most its budget and never delays the others. A worker stuck
past its budget (a library call that ignores its timeout) is abandoned and reported as timed out.

HTTP is read with ``http.client`` rather than ``cv2.VideoCapture``: the socket timeouts are then
ours and are honoured exactly, and a snapshot camera costs one GET (see ../shared/NOTES.md).
"""

import base64
import http.client
import logging
import math
import os
import socket
import ssl
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import cv2
import numpy as np

logger = logging.getLogger(__name__)

# Past its budget a worker is abandoned after this much grace; threads are slow to start on a busy host.
MARGIN = 1.0
MAX_IMAGE_BYTES = 16 * 1024 * 1024
CHUNK = 64 * 1024
SOI = b"\xff\xd8"
EOI = b"\xff\xd9"


@dataclass(frozen=True)
class Grab:
    camera_id: int
    frame: np.ndarray | None
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.frame is not None


class GrabError(Exception):
    """A source failed in a known way; the message is the short English reason."""


def grab_frames(
    sources: list[tuple[int, str]], *, open_timeout: float = 3.0, read_timeout: float = 3.0, workers: int = 16
) -> list[Grab]:
    """One ``Grab`` per source, in the order given; never raises for a bad source."""
    if not sources:
        return []
    budget = open_timeout + read_timeout
    started_at: dict[int, float] = {}
    results: dict[int, Grab] = {}

    def run(index: int, camera_id: int, url: str) -> Grab:
        started_at[index] = time.monotonic()
        return grab_one(camera_id, url, open_timeout=open_timeout, read_timeout=read_timeout)

    size = max(1, min(workers, len(sources)))
    # A queued source starts only when a worker frees up, so the whole call is bounded by waves of
    # budgets; with fewer dead cameras than workers that is one budget.
    deadline = time.monotonic() + budget * math.ceil(len(sources) / size) + MARGIN
    executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="grab")
    futures: dict[Future, int] = {
        executor.submit(run, index, camera_id, url): index for index, (camera_id, url) in enumerate(sources)
    }
    pending = set(futures)
    try:
        while pending:
            done, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
            for future in done:
                results[futures[future]] = _outcome(future, sources[futures[future]][0])
            now = time.monotonic()
            for future in list(pending):
                index = futures[future]
                began = started_at.get(index)
                if began is not None and now >= began + budget + MARGIN:
                    error = f"timed out after {budget:.1f} s"
                elif now >= deadline:
                    error = "not started: every worker was busy" if began is None else f"timed out after {budget:.1f} s"
                else:
                    continue
                pending.discard(future)
                results[index] = Grab(sources[index][0], None, error, now - began if began is not None else 0.0)
    finally:
        # Abandon stuck workers: their sockets time out on their own, or the process ends them.
        executor.shutdown(wait=False, cancel_futures=True)
    return [results[index] for index in range(len(sources))]


def _outcome(future: Future, camera_id: int) -> Grab:
    exc = future.exception()
    if exc is None:
        return future.result()
    # A bug of ours, not a bad camera: log it loudly but keep the other cameras' results.
    logger.error("camera_grab_crashed camera=%s", camera_id, exc_info=exc)
    return Grab(camera_id, None, f"failed ({exc.__class__.__name__})")


def grab_one(camera_id: int, url: str, *, open_timeout: float = 3.0, read_timeout: float = 3.0) -> Grab:
    """Grab one frame from one source in this thread."""
    started = time.monotonic()
    try:
        frame = _grab(url, open_timeout, read_timeout)
        error = ""
    except GrabError as exc:
        frame, error = None, str(exc)
    except TimeoutError:
        frame, error = None, "timed out"
    except ConnectionRefusedError:
        frame, error = None, "connection refused"
    except http.client.RemoteDisconnected:
        frame, error = None, "connection closed"
    except ConnectionResetError:
        frame, error = None, "connection reset"
    except socket.gaierror:
        frame, error = None, "unknown host"
    except ssl.SSLError:
        frame, error = None, "TLS error"
    except http.client.HTTPException:
        frame, error = None, "bad HTTP response"
    except OSError as exc:
        frame, error = None, (exc.strerror or exc.__class__.__name__).lower()
    except cv2.error:
        frame, error = None, "not an image"
    except ValueError:
        frame, error = None, "bad URL"
    return Grab(camera_id, frame, error, time.monotonic() - started)


def _grab(url: str, open_timeout: float, read_timeout: float) -> np.ndarray:
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return _grab_http(url, open_timeout, read_timeout)
    if scheme in ("rtsp", "rtsps", "rtmp"):
        return _grab_stream(url, open_timeout, read_timeout)
    if scheme == "file":
        return _grab_file(unquote(urlsplit(url).path))
    if scheme == "" or (len(scheme) == 1 and os.name == "nt"):
        return _grab_file(url)
    raise GrabError(f"unsupported source ({scheme})")


def _grab_stream(url: str, open_timeout: float, read_timeout: float) -> np.ndarray:
    params = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        int(open_timeout * 1000),
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        int(read_timeout * 1000),
    ]
    capture = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
    try:
        if not capture.isOpened():
            raise GrabError("cannot open stream")
        ok, frame = capture.read()
    finally:
        capture.release()
    if not ok or frame is None:
        raise GrabError("no frame")
    return frame


def _grab_file(path: str) -> np.ndarray:
    if not os.path.exists(path) or os.path.isdir(path):
        raise GrabError("no such file")
    frame = cv2.imread(path, cv2.IMREAD_COLOR)
    if frame is not None:
        return frame
    capture = cv2.VideoCapture(path)
    try:
        ok, frame = capture.read() if capture.isOpened() else (False, None)
    finally:
        capture.release()
    if not ok or frame is None:
        raise GrabError("not an image")
    return frame


class _Reader:
    """Reads a response in chunks, each read bounded by the read timeout and the source's deadline."""

    def __init__(self, response: http.client.HTTPResponse, sock: socket.socket, read_timeout: float, deadline: float):
        self.response, self.sock, self.read_timeout, self.deadline = response, sock, read_timeout, deadline

    def chunk(self) -> bytes:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise GrabError(f"timed out after {self.read_timeout:.1f} s")
        self.sock.settimeout(min(self.read_timeout, remaining))
        try:
            return self.response.read1(CHUNK)
        except TimeoutError:
            raise GrabError(f"timed out after {self.read_timeout:.1f} s") from None


def _grab_http(url: str, open_timeout: float, read_timeout: float) -> np.ndarray:
    parts = urlsplit(url)
    if not parts.hostname:
        raise GrabError("no host in URL")
    deadline = time.monotonic() + open_timeout + read_timeout
    if parts.scheme.lower() == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=open_timeout)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=open_timeout)
    try:
        try:
            connection.connect()
        except TimeoutError:
            raise GrabError(f"timed out after {open_timeout:.1f} s") from None
        sock = connection.sock
        sock.settimeout(min(read_timeout, max(0.01, deadline - time.monotonic())))
        headers = {"Accept": "image/jpeg, multipart/x-mixed-replace, */*", "Connection": "close"}
        if parts.username:
            token = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
        except TimeoutError:
            raise GrabError(f"timed out after {read_timeout:.1f} s") from None
        if response.status != 200:
            raise GrabError(f"HTTP {response.status}")
        content_type = response.getheader("Content-Type", "")
        reader = _Reader(response, sock, read_timeout, deadline)
        if content_type.lower().startswith("multipart/"):
            return _first_part(reader, _boundary(content_type))
        return _decode(_read_all(reader), content_type)
    finally:
        connection.close()


def _read_all(reader: _Reader) -> bytes:
    body = bytearray()
    while chunk := reader.chunk():
        body += chunk
        if len(body) > MAX_IMAGE_BYTES:
            raise GrabError("image too large")
    return bytes(body)


def _decode(data: bytes, content_type: str = "") -> np.ndarray:
    frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if frame is None:
        kind = content_type.split(";")[0].strip()
        raise GrabError(f"not an image ({kind})" if kind and not kind.startswith("image/") else "not an image")
    return frame


def _boundary(content_type: str) -> bytes:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary" and value:
            # Some cameras declare "--frame" and write "--frame", others declare "frame"; match the name only.
            return value.strip().strip('"').lstrip("-").encode("latin-1")
    return b""


def _first_part(reader: _Reader, boundary: bytes) -> np.ndarray:
    """Decode the first complete JPEG of an MJPEG stream."""
    buffer = bytearray()
    while True:
        chunk = reader.chunk()
        if not chunk:
            raise GrabError("stream ended before a frame")
        buffer += chunk
        jpeg = (_part_by_boundary(buffer, boundary) if boundary else None) or _part_by_markers(buffer)
        if jpeg is not None:
            return _decode(jpeg)
        if len(buffer) > MAX_IMAGE_BYTES:
            raise GrabError("no frame in stream")


def _part_by_boundary(buffer: bytearray, boundary: bytes) -> bytes | None:
    first = buffer.find(boundary)
    if first < 0:
        return None
    header_end = buffer.find(b"\r\n\r\n", first)
    if header_end < 0:
        return None
    body_start = header_end + 4
    for line in bytes(buffer[first:header_end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            end = body_start + int(value)
            return bytes(buffer[body_start:end]) if len(buffer) >= end else None
    following = buffer.find(boundary, body_start)
    if following < 0:
        return None
    return bytes(buffer[body_start:following]).rstrip(b"-").rstrip(b"\r\n")


def _part_by_markers(buffer: bytearray) -> bytes | None:
    """A JPEG between SOI and EOI; an EXIF thumbnail has its own pair, so try each EOI until one decodes."""
    start = buffer.find(SOI)
    if start < 0:
        return None
    end = buffer.find(EOI, start + 2)
    while end >= 0:
        candidate = bytes(buffer[start : end + 2])
        if cv2.imdecode(np.frombuffer(candidate, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8) is not None:
            return candidate
        end = buffer.find(EOI, end + 2)
    return None


def encode_snapshot(frame: np.ndarray, *, max_width: int = 640, quality: int = 80) -> bytes:
    """A JPEG of the frame, no wider than ``max_width`` (never upscaled, aspect kept)."""
    height, width = frame.shape[:2]
    if width > max_width:
        size = (max_width, max(1, round(height * max_width / width)))
        frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("frame could not be encoded as JPEG")
    return data.tobytes()
