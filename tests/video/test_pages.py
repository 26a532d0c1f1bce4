from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from tests.factories import CitizenFactory, UserFactory
from video.forms import CameraForm
from video.models import Camera, Snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def camera():
    camera = Camera.objects.create(
        name="一号窗口", hall="政务服务大厅", window_number="1", source_url="rtsp://admin:s3cret@10.0.0.8:554/live"
    )
    now = timezone.now()
    for minutes in (2, 1):
        snapshot = Snapshot(camera=camera, taken_at=now - timedelta(minutes=minutes), width=4, height=3, people=1)
        snapshot.image.save("frame.jpg", ContentFile(b"\xff\xd8fake jpeg"), save=False)
        snapshot.save()
    return camera


@pytest.fixture
def inspector(client):
    user = UserFactory(role="inspector")
    client.force_login(user)
    return user


def test_the_wall_shows_each_camera_with_its_latest_frame(client, inspector, camera):
    latest = camera.snapshots.order_by("-taken_at").first()

    html = client.get("/video/").content.decode()

    assert "政务服务大厅" in html and "一号窗口" in html
    assert f"/video/snapshots/{latest.pk}.jpg" in html
    assert "s3cret" not in html


def test_the_wall_refreshes_itself_without_the_page_around_it(client, inspector, camera):
    html = client.get("/video/", HTTP_HX_REQUEST="true").content.decode()

    assert "一号窗口" in html
    assert "<html" not in html


def test_a_camera_page_lists_its_snapshots_newest_first(client, inspector, camera):
    response = client.get(f"/video/cameras/{camera.pk}/")

    shown = [snapshot.pk for snapshot in response.context["page_obj"]]
    assert shown == list(camera.snapshots.order_by("-taken_at").values_list("pk", flat=True))


def test_a_snapshot_is_served_as_a_jpeg_to_inspectors(client, inspector, camera):
    response = client.get(f"/video/snapshots/{camera.snapshots.first().pk}.jpg")

    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


@pytest.mark.parametrize("make_user", [CitizenFactory, lambda: UserFactory(role="window_clerk")])
def test_other_users_may_not_watch(client, camera, make_user):
    client.force_login(make_user())

    assert client.get("/video/").status_code == 403
    assert client.get(f"/video/snapshots/{camera.snapshots.first().pk}.jpg").status_code == 403


def test_the_video_pages_do_not_exist_on_the_external_zone(client, inspector, camera, zone):
    zone("external")

    assert client.get("/video/").status_code == 404


def test_the_camera_form_never_shows_the_password_and_keeps_it_when_left_masked(camera):
    form = CameraForm(instance=camera)
    assert form.initial["source_url"] == "rtsp://admin:***@10.0.0.8:554/live"

    data = {**form.initial, "source_url": "rtsp://admin:***@10.0.0.9:554/live", "department": ""}
    form = CameraForm(data, instance=camera)
    assert form.is_valid(), form.errors
    form.save()

    camera.refresh_from_db()
    assert camera.source_url == "rtsp://admin:s3cret@10.0.0.9:554/live"
