"""A case's trail on the workbench links the snapshot of its department's window nearest each transition."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile

from tests.factories import UserFactory
from video.models import Camera, Snapshot
from workflow.services import cases as services

SHANGHAI = ZoneInfo("Asia/Shanghai")
ACCEPTED_AT = datetime(2026, 11, 23, 10, 0, 0, tzinfo=SHANGHAI)


@pytest.fixture
def window(department, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    camera = Camera.objects.create(
        name="三号窗口", hall="政务服务大厅", department=department, window_number="3", source_url="http://127.0.0.1:9/"
    )
    for seconds in (-601, -61, 50, 700):  # the nearest to the acceptance is 50 s after it
        snapshot = Snapshot(camera=camera, taken_at=ACCEPTED_AT + timedelta(seconds=seconds))
        snapshot.image.save(f"{seconds}.jpg", ContentFile(b"\xff\xd8\xff"), save=False)
        snapshot.save()
    return camera


def _accepted_case(file_case, staff):
    case = file_case()
    with time_machine.travel(ACCEPTED_AT, tick=False):
        services.case_accept(case=case, user=staff["window_clerk"], opinion="受理")
    return case


def test_the_inspector_sees_the_window_snapshot_nearest_the_acceptance(client, window, file_case, staff):
    case = _accepted_case(file_case, staff)
    client.force_login(UserFactory(role="inspector"))

    page = client.get(f"/workbench/cases/{case.number}/").content.decode()

    nearest = Snapshot.objects.get(taken_at=ACCEPTED_AT + timedelta(seconds=50))
    assert f'href="/video/snapshots/{nearest.pk}.jpg"' in page
    assert "10:00:50" in page
    # Filing online happened at no window: only the acceptance carries a link.
    assert page.count('data-testid="trail-link"') == 1


def test_no_link_without_a_snapshot_within_ten_minutes(client, window, file_case, staff):
    Snapshot.objects.filter(taken_at__gt=ACCEPTED_AT - timedelta(minutes=5)).delete()
    case = _accepted_case(file_case, staff)
    client.force_login(UserFactory(role="inspector"))

    assert 'data-testid="trail-link"' not in client.get(f"/workbench/cases/{case.number}/").content.decode()


def test_a_clerk_without_the_right_to_watch_the_hall_gets_no_links(client, window, file_case, staff):
    case = _accepted_case(file_case, staff)
    client.force_login(staff["window_clerk"])

    assert 'data-testid="trail-link"' not in client.get(f"/workbench/cases/{case.number}/").content.decode()
