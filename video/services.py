"""Snapshots of the service-hall cameras: one cycle grabs every enabled camera at once.

Counting the people on a frame costs about a tenth of a second of both cores, so a cycle only
stores the frames and names those to count; the worker counts them right after (tasks.py), and
the next cycle never waits for it.
"""

import logging
from datetime import datetime

import cv2
import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from supervision.constants import Subject
from supervision.models import Rule
from supervision.services.sweep import Finding, rule_sync
from workflow.calendar import WorkingCalendar

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
    to_count, calendar = [], WorkingCalendar()
    for grab in grabs:
        camera = cameras[grab.camera_id]
        snapshot = camera_record_grab(camera=camera, grab=grab, now=now)
        if snapshot and camera.staffed and camera.in_office_hours(timezone.localtime(now), calendar):
            to_count.append(snapshot.pk)
    cameras_report_alerts(now=now, calendar=calendar)
    online = sum(grab.ok for grab in grabs)
    logger.info("snapshot_cycle cameras=%s online=%s to_count=%s", len(grabs), online, len(to_count))
    return {"cameras": len(grabs), "online": online, "offline": len(grabs) - online, "to_count": to_count}


def _minutes(since: datetime, now: datetime) -> float:
    return (now - since).total_seconds() / 60


def _level(rule: Rule | None, minutes: float) -> str | None:
    return rule.level_for(minutes) if rule is not None else None


def cameras_report_alerts(*, now: datetime, calendar: WorkingCalendar | None = None) -> None:
    """V1 (camera offline) and V2 (window unattended) as of ``now``, reported to supervision.

    Only office hours count: a camera offline overnight, or a window empty before opening, is
    measured from the opening time. A camera that is offline says nothing about its window.
    """
    calendar = calendar or WorkingCalendar()
    local = timezone.localtime(now)
    rules = Rule.objects.filter(code__in=["V1", "V2"], enabled=True).in_bulk(field_name="code")
    offline, unattended = [], []
    for camera in Camera.objects.filter(enabled=True):
        if not camera.in_office_hours(local, calendar):
            continue
        opened = datetime.combine(local.date(), camera.office_opens, tzinfo=local.tzinfo)
        if not camera.online:
            since = max(filter(None, [camera.state_since, opened]))
            level, findings = _level(rules.get("V1"), _minutes(since, now)), offline
        elif camera.staffed:
            since = max(filter(None, [camera.last_person_at, camera.state_since, opened]))
            level, findings = _level(rules.get("V2"), _minutes(since, now)), unattended
        else:
            continue
        if level is not None:
            detail = f"{camera.hall} {camera.window_number or camera.name}"
            findings.append(Finding(camera.pk, level, camera.department_id, detail))
    rule_sync(code="V1", subject=Subject.CAMERA, findings=offline, at=now)
    rule_sync(code="V2", subject=Subject.CAMERA, findings=unattended, at=now)


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

    height, width = grab.frame.shape[:2]
    scale = min(1.0, settings.VIDEO_SNAPSHOT_WIDTH / width)
    snapshot = Snapshot(camera=camera, taken_at=now, width=round(width * scale), height=round(height * scale))
    jpeg = encode_snapshot(grab.frame, max_width=settings.VIDEO_SNAPSHOT_WIDTH)
    snapshot.image.save(f"camera-{camera.pk}-{now:%Y%m%dT%H%M%S}.jpg", ContentFile(jpeg), save=False)
    snapshot.save()

    if not camera.online or camera.state_since is None:
        camera.online, camera.state_since = True, now
    camera.last_error = ""
    camera.last_frame_at = now
    camera.save(update_fields=[*fields, "last_frame_at"])
    return snapshot


def snapshots_count_people(*, snapshot_ids: list[int]) -> None:
    """Counts the people on these stored snapshots; a camera's last sighting moves forward only."""
    for snapshot in Snapshot.objects.filter(pk__in=snapshot_ids, people__isnull=True).select_related("camera"):
        with snapshot.image.open("rb") as image:
            frame = cv2.imdecode(np.frombuffer(image.read(), np.uint8), cv2.IMREAD_COLOR)
        snapshot.people = count_people(frame) if frame is not None else 0
        snapshot.save(update_fields=["people"])
        if snapshot.people:
            Camera.objects.filter(pk=snapshot.camera_id).filter(
                Q(last_person_at__isnull=True) | Q(last_person_at__lt=snapshot.taken_at)
            ).update(last_person_at=snapshot.taken_at)


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
