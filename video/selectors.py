from itertools import groupby

from django.db.models import OuterRef, QuerySet, Subquery

from .models import Camera, Snapshot


def camera_wall() -> list[tuple[str, list[Camera]]]:
    """Every camera by hall, each with ``latest_snapshot_id``: two queries whatever the count."""
    latest = Snapshot.objects.filter(camera=OuterRef("pk")).order_by("-taken_at").values("pk")[:1]
    cameras = Camera.objects.select_related("department").annotate(latest_snapshot_id=Subquery(latest))
    return [(hall, list(group)) for hall, group in groupby(cameras, key=lambda camera: camera.hall)]


def camera_snapshots(camera: Camera) -> QuerySet[Snapshot]:
    return camera.snapshots.order_by("-taken_at")
