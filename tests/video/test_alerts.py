"""V1 (camera offline) and V2 (window unattended) through supervision's rules, in office hours only."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from supervision.models import Alert
from video.models import Camera
from video.services import cameras_report_alerts

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, tzinfo=SHANGHAI)


def at(hour: int, minute: int = 0) -> datetime:
    return MONDAY.replace(hour=hour, minute=minute)


def _camera(**fields) -> Camera:
    camera = Camera.objects.create(
        name="一号窗口", hall="政务服务大厅", window_number="1", source_url="http://127.0.0.1:9/"
    )
    Camera.objects.filter(pk=camera.pk).update(**fields)
    camera.refresh_from_db()
    return camera


def _alert(code: str, camera: Camera) -> Alert | None:
    return Alert.objects.filter(rule__code=code, subject_id=camera.pk).first()


def test_an_offline_camera_is_yellow_at_once_and_red_after_thirty_minutes(department):
    camera = _camera(online=False, state_since=at(9, 50), department=department)

    cameras_report_alerts(now=at(10, 0))
    alert = _alert("V1", camera)
    assert (alert.level, alert.department) == ("yellow", department)

    cameras_report_alerts(now=at(10, 19))
    assert _alert("V1", camera).level == "yellow"
    cameras_report_alerts(now=at(10, 20))
    alert.refresh_from_db()
    assert (alert.level, Alert.objects.count()) == ("red", 1)


def test_a_camera_offline_overnight_counts_from_opening_time():
    camera = _camera(online=False, state_since=at(1, 0))

    cameras_report_alerts(now=at(9, 29))
    assert _alert("V1", camera).level == "yellow"


def test_nothing_is_raised_outside_office_hours_or_on_a_sunday():
    camera = _camera(online=False, state_since=at(1, 0))

    cameras_report_alerts(now=at(18, 0))
    cameras_report_alerts(now=at(10, 0) - timedelta(days=1))

    assert _alert("V1", camera) is None


def test_a_camera_back_online_clears_its_alert():
    camera = _camera(online=False, state_since=at(9, 0))
    cameras_report_alerts(now=at(10, 0))

    Camera.objects.filter(pk=camera.pk).update(online=True, state_since=at(10, 1), last_person_at=at(10, 1))
    cameras_report_alerts(now=at(10, 2))

    alert = _alert("V1", camera)
    assert (alert.state, alert.cleared_at) == ("closed", at(10, 2))


@pytest.mark.parametrize(("minutes", "level"), [(9, None), (10, "yellow"), (29, "yellow"), (30, "red")])
def test_a_staffed_window_unattended(minutes, level):
    camera = _camera(online=True, state_since=at(8, 0), last_person_at=at(10, 0))

    cameras_report_alerts(now=at(10, 0) + timedelta(minutes=minutes))

    alert = _alert("V2", camera)
    assert (alert.level if alert else None) == level


def test_someone_back_at_the_window_clears_v2_and_unstaffed_windows_are_never_watched():
    staffed = _camera(online=True, state_since=at(8, 0), last_person_at=at(9, 0))
    desk = _camera(online=True, state_since=at(8, 0), staffed=False)
    cameras_report_alerts(now=at(10, 0))
    assert _alert("V2", staffed).level == "red" and _alert("V2", desk) is None

    Camera.objects.filter(pk=staffed.pk).update(last_person_at=at(10, 1))
    cameras_report_alerts(now=at(10, 2))

    assert _alert("V2", staffed).state == "closed"
