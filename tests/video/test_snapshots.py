"""Snapshot cycles against real cameras served on loopback by the fake camera, through real OpenCV."""

import socket
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from video import services
from video.fake_camera import FakeCamera
from video.models import Camera, Snapshot

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
SUNDAY_10 = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def person_camera():
    camera = FakeCamera(source=next(DATA.glob("astronaut*")), host="127.0.0.1", port=0)
    camera.start()
    yield camera
    camera.stop()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _camera(url: str, **fields) -> Camera:
    return Camera.objects.create(name=fields.pop("name", "一号窗口"), hall="政务服务大厅", source_url=url, **fields)


def test_a_cycle_stores_a_downscaled_snapshot_of_each_live_camera_and_marks_dead_ones_offline(person_camera):
    snapshot_cam = _camera(f"{person_camera.url}/snapshot.jpg")
    stream_cam = _camera(f"{person_camera.url}/stream.mjpg", name="二号窗口")
    dead = _camera(f"http://127.0.0.1:{_closed_port()}/snapshot.jpg", name="三号窗口")

    result = services.snapshot_cycle(now=MONDAY_10)

    assert {key: result[key] for key in ("cameras", "online", "offline")} == {"cameras": 3, "online": 2, "offline": 1}
    for camera in (snapshot_cam, stream_cam):
        camera.refresh_from_db()
        snapshot = camera.snapshots.get()
        assert (camera.online, camera.state_since, camera.last_frame_at) == (True, MONDAY_10, MONDAY_10)
        assert snapshot.width <= 640
        assert snapshot.image.read(2) == b"\xff\xd8"
    dead.refresh_from_db()
    assert (dead.online, dead.state_since, dead.snapshots.count()) == (False, MONDAY_10, 0)
    assert dead.last_error


def test_offline_counts_from_the_first_miss_not_the_latest(person_camera):
    dead = _camera(f"http://127.0.0.1:{_closed_port()}/snapshot.jpg")

    services.snapshot_cycle(now=MONDAY_10)
    services.snapshot_cycle(now=MONDAY_10 + timedelta(minutes=5))

    dead.refresh_from_db()
    assert dead.state_since == MONDAY_10


def test_a_camera_back_online_starts_a_new_online_period(person_camera):
    camera = _camera(f"{person_camera.url}/snapshot.jpg", online=False, state_since=MONDAY_10 - timedelta(hours=1))

    services.snapshot_cycle(now=MONDAY_10)

    camera.refresh_from_db()
    assert (camera.online, camera.state_since) == (True, MONDAY_10)


def test_people_are_counted_at_a_staffed_window_in_office_hours(person_camera):
    camera = _camera(f"{person_camera.url}/snapshot.jpg")

    result = services.snapshot_cycle(now=MONDAY_10)
    services.snapshots_count_people(snapshot_ids=result["to_count"])

    camera.refresh_from_db()
    assert camera.snapshots.get().people >= 1
    assert camera.last_person_at == MONDAY_10


def test_nobody_is_counted_outside_office_hours_or_at_an_unstaffed_window(person_camera):
    weekend = _camera(f"{person_camera.url}/snapshot.jpg")
    unstaffed = _camera(f"{person_camera.url}/snapshot.jpg", name="咨询台", staffed=False)

    to_count = services.snapshot_cycle(now=SUNDAY_10)["to_count"] + services.snapshot_cycle(now=MONDAY_10)["to_count"]

    assert to_count == [weekend.snapshots.get(taken_at=MONDAY_10).pk]
    assert weekend.snapshots.get(taken_at=SUNDAY_10).people is None
    assert unstaffed.snapshots.get(taken_at=MONDAY_10).people is None


def test_disabled_cameras_are_not_grabbed(person_camera):
    camera = _camera(f"{person_camera.url}/snapshot.jpg", enabled=False)

    assert services.snapshot_cycle(now=MONDAY_10)["cameras"] == 0
    assert not camera.snapshots.exists()


def test_purge_deletes_snapshots_past_retention_with_their_files(person_camera, settings):
    settings.VIDEO_RETENTION = timedelta(days=30)
    camera = _camera(f"{person_camera.url}/snapshot.jpg")
    now = timezone.now()
    services.snapshot_cycle(now=now - timedelta(days=31))
    services.snapshot_cycle(now=now - timedelta(days=29))
    old = camera.snapshots.get(taken_at=now - timedelta(days=31))
    storage = old.image.storage

    assert services.snapshots_purge(now=now) == 1

    assert list(Snapshot.objects.values_list("taken_at", flat=True)) == [now - timedelta(days=29)]
    assert not storage.exists(old.image.name)


def test_grab_snapshots_command_runs_one_cycle(person_camera, capsys):
    from django.core.management import call_command

    _camera(f"{person_camera.url}/snapshot.jpg")

    call_command("grab_snapshots", "--once")

    assert "1 online" in capsys.readouterr().out
    assert Snapshot.objects.count() == 1


def test_a_late_count_of_an_older_snapshot_never_moves_the_last_sighting_back(person_camera):
    camera = _camera(f"{person_camera.url}/snapshot.jpg")
    earlier = services.snapshot_cycle(now=MONDAY_10)["to_count"]
    later = services.snapshot_cycle(now=MONDAY_10 + timedelta(minutes=1))["to_count"]

    services.snapshots_count_people(snapshot_ids=later)
    services.snapshots_count_people(snapshot_ids=earlier)

    camera.refresh_from_db()
    assert camera.last_person_at == MONDAY_10 + timedelta(minutes=1)
