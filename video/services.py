"""Snapshots of the service-hall cameras: one cycle grabs every enabled camera at once."""

import logging
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .detection import count_people
from .grabbing import Grab, encode_snapshot, grab_frames
from .models import Camera, Snapshot

logger = logging.getLogger(__name__)


def snapshot_cycle(*, now: datetime | None = None) -> dict:
    """Grabs one frame from every enabled camera in parallel and records each outcome.

    A dead or hanging camera costs its timeout in its own thread, never the others'.
    """
    now = now or timezone.now()
    cameras = {camera.pk: camera for camera in Camera.objects.filter(enabled=True)}
    grabs = grab_frames(
        [(camera.pk, camera.source_url) for camera in cameras.values()],
        open_timeout=settings.VIDEO_OPEN_TIMEOUT,
        read_timeout=settings.VIDEO_READ_TIMEOUT,
    )
    for grab in grabs:
        camera_record_grab(camera=cameras[grab.camera_id], grab=grab, now=now)
    online = sum(grab.ok for grab in grabs)
    logger.info("snapshot_cycle cameras=%s online=%s", len(grabs), online)
    return {"cameras": len(grabs), "online": online, "offline": len(grabs) - online}


@transaction.atomic
def camera_record_grab(*, camera: Camera, grab: Grab, now: datetime) -> Snapshot | None:
    """Stores a good frame as a downscaled snapshot, or marks the camera offline since the first miss.

    Offline means "no good frame since": one failed read after a good one starts the clock, later
    failures do not move it.
    """
    fields = ["online", "state_since", "last_error"]
    if not grab.ok:
        if camera.online or camera.state_since is None:
            camera.online, camera.state_since = False, now
        camera.last_error = grab.error[:200]
        camera.save(update_fields=fields)
        return None

    counting = camera.staffed and camera.in_office_hours(timezone.localtime(now))
    people = count_people(grab.frame) if counting else None
    height, width = grab.frame.shape[:2]
    scale = min(1.0, settings.VIDEO_SNAPSHOT_WIDTH / width)
    snapshot = Snapshot(
        camera=camera, taken_at=now, width=round(width * scale), height=round(height * scale), people=people
    )
    jpeg = encode_snapshot(grab.frame, max_width=settings.VIDEO_SNAPSHOT_WIDTH)
    snapshot.image.save(f"camera-{camera.pk}-{now:%Y%m%dT%H%M%S}.jpg", ContentFile(jpeg), save=False)
    snapshot.save()

    if not camera.online or camera.state_since is None:
        camera.online, camera.state_since = True, now
    camera.last_error = ""
    camera.last_frame_at = now
    fields.append("last_frame_at")
    if people:
        camera.last_person_at = now
        fields.append("last_person_at")
    camera.save(update_fields=fields)
    return snapshot


def snapshots_purge(*, now: datetime | None = None) -> int:
    """Deletes the snapshots older than the retention period, files first; returns how many."""
    cutoff = (now or timezone.now()) - settings.VIDEO_RETENTION
    expired = Snapshot.objects.filter(taken_at__lt=cutoff)
    purged = 0
    while batch := list(expired.values_list("pk", "image")[:1000]):
        ids, names = zip(*batch, strict=True)
        for name in names:
            Snapshot.image.field.storage.delete(name)
        purged += Snapshot.objects.filter(pk__in=ids).delete()[0]
    return purged
