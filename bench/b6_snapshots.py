"""B6: one snapshot cycle over N cameras, a tenth of them dead (the camera engine only, no database).

Target (../shared/BENCH.md): 100 cameras, 10 dead, in <= 5 s with peak memory <= 300 MB. The
cameras are 10 fake cameras on loopback (snapshot and MJPEG URLs alternating, each server shared
by several cameras); the dead ones are half closed ports, half servers that accept and never
answer, so they cost the whole read timeout. The cycle runs in a child process that reports its
own peak resident memory (VmHWM), so the servers' memory is not counted:

    .venv/bin/python bench/b6_snapshots.py --sizes 20 100

"grab" is `grab_frames` alone; "cycle" adds what a snapshot cycle does with each frame,
`encode_snapshot` (the database write is left out). "count" is the worker's follow-up task:
decoding each stored snapshot and `count_people` on it (video/services.py says why it is apart).
"""

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVERS = 10


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def silent_server(held: list) -> str:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)

    def accept():
        while True:
            held.append(listener.accept())

    threading.Thread(target=accept, daemon=True).start()
    held.append(listener)
    return f"http://127.0.0.1:{listener.getsockname()[1]}/snapshot.jpg"


def sources(size: int, cameras: list, held: list) -> list[tuple[int, str]]:
    dead = max(2, size // 10)
    urls = []
    for index in range(size - dead):
        camera = cameras[index % len(cameras)]
        urls.append(camera.url + ("/snapshot.jpg" if index % 2 == 0 else "/stream.mjpg"))
    urls += [f"http://127.0.0.1:{closed_port()}/snapshot.jpg" for _ in range(dead // 2)]
    urls += [silent_server(held) for _ in range(dead - dead // 2)]
    return list(enumerate(urls, start=1))


def child(payload: str) -> None:
    """Runs in its own process: one grab, then one full cycle; prints figures as JSON."""
    import cv2
    import numpy as np

    from video.detection import count_people
    from video.grabbing import encode_snapshot, grab_frames

    items = [tuple(item) for item in json.loads(payload)]
    started = time.perf_counter()
    grabs = grab_frames(items, open_timeout=3.0, read_timeout=3.0)
    grab_seconds = time.perf_counter() - started
    del grabs  # the second run's frames, not both, should set the peak

    started = time.perf_counter()
    grabs = grab_frames(items, open_timeout=3.0, read_timeout=3.0)
    snapshots = [encode_snapshot(grab.frame) for grab in grabs if grab.ok]
    cycle_seconds = time.perf_counter() - started

    started = time.perf_counter()
    people = sum(count_people(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)) for jpeg in snapshots)
    count_seconds = time.perf_counter() - started
    stored = sum(len(jpeg) for jpeg in snapshots)
    peak_kb = next(
        int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:")
    )
    errors = sorted({grab.error for grab in grabs if not grab.ok})
    figures = {
        "ok": sum(grab.ok for grab in grabs),
        "failed": sum(not grab.ok for grab in grabs),
        "errors": errors,
        "grab_seconds": grab_seconds,
        "cycle_seconds": cycle_seconds,
        "count_seconds": count_seconds,
        "slowest_ok": max((grab.seconds for grab in grabs if grab.ok), default=0.0),
        "people": people,
        "stored_kb": stored / 1024,
        "peak_mb": peak_kb / 1024,
    }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    from video.fake_camera import FakeCamera

    images = [ROOT / "tests/data/astronaut.jpg", ROOT / "tests/data/coffee.jpg"]
    cameras = [FakeCamera(images[index % 2], fps=10).start() for index in range(SERVERS)]
    held: list = []
    print(f"B6 snapshot cycle: {SERVERS} fake cameras on loopback, a tenth of the sources dead, timeouts 3 s + 3 s")
    print(
        f"{'cameras':>8} {'dead':>5} {'ok':>4} {'grab s':>7} {'cycle s':>8} {'count s':>8} {'people':>7}"
        f" {'JPEG KB':>8} {'peak MB':>8}"
    )
    try:
        for size in args.sizes:
            items = sources(size, cameras, held)
            command = [sys.executable, __file__, "--child", json.dumps(items)]
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                raise SystemExit(f"child failed:\n{result.stdout}{result.stderr}")
            f = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"{size:>8} {f['failed']:>5} {f['ok']:>4} {f['grab_seconds']:>7.2f} {f['cycle_seconds']:>8.2f}"
                f" {f['count_seconds']:>8.2f}"
                f" {f['people']:>7} {f['stored_kb']:>8.0f} {f['peak_mb']:>8.0f}   errors: {', '.join(f['errors'])}"
            )
    finally:
        for camera in cameras:
            camera.stop()
        for item in held:
            (item[0] if isinstance(item, tuple) else item).close()


if __name__ == "__main__":
    main()
