from datetime import timedelta
from itertools import groupby

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workflow.hooks import Link

from .models import Camera, Snapshot


def camera_wall() -> list[tuple[str, list[Camera]]]:
    """Every camera by hall, each with ``latest_snapshot_id``: two queries whatever the count."""
    latest = Snapshot.objects.filter(camera=OuterRef("pk")).order_by("-taken_at").values("pk")[:1]
    cameras = Camera.objects.select_related("department").annotate(latest_snapshot_id=Subquery(latest))
    return [(hall, list(group)) for hall, group in groupby(cameras, key=lambda camera: camera.hall)]


def camera_snapshots(camera: Camera) -> QuerySet[Snapshot]:
    return camera.snapshots.order_by("-taken_at")


# A snapshot further than this from a transition shows nothing about it.
NEAREST_SNAPSHOT_WINDOW = timedelta(minutes=10)


def nearest_snapshot(camera: Camera, moment) -> Snapshot | None:
    """The camera's snapshot taken nearest to ``moment``, within NEAREST_SNAPSHOT_WINDOW: two index probes."""
    snapshots = camera.snapshots.only("pk", "taken_at")
    before = snapshots.filter(taken_at__lte=moment, taken_at__gte=moment - NEAREST_SNAPSHOT_WINDOW).order_by(
        "-taken_at"
    )
    after = snapshots.filter(taken_at__gt=moment, taken_at__lte=moment + NEAREST_SNAPSHOT_WINDOW).order_by("taken_at")
    candidates = [snapshot for snapshot in (before.first(), after.first()) if snapshot is not None]
    return min(candidates, key=lambda snapshot: abs(snapshot.taken_at - moment), default=None)


def trail_snapshot_links(user, case, entries) -> dict[int, list[Link]]:
    """For each transition by staff, the snapshot of each window camera of the case's department nearest to it."""
    if not user.has_perm("video.view_snapshot"):
        return {}
    cameras = list(Camera.objects.filter(department_id=case.department_id, staffed=True).order_by("window_number"))
    links = {}
    for entry in entries:
        if entry.role == "citizen":
            continue  # filed or answered online, not at a window
        found = []
        for camera in cameras:
            snapshot = nearest_snapshot(camera, entry.at)
            if snapshot is not None:
                label = _("Window %(window)s at %(time)s") % {
                    "window": camera.window_number or camera.name,
                    "time": timezone.localtime(snapshot.taken_at).strftime("%H:%M:%S"),
                }
                found.append(Link(label, reverse("video:snapshot", kwargs={"snapshot_id": snapshot.pk})))
        if found:
            links[entry.pk] = found
    return links
