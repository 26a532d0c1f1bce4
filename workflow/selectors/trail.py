"""Reads about the trail's checkpoints: what /public/trail/ publishes."""

import json

from django.utils.translation import gettext_lazy as _

from ..models import TrailCheckpoint
from ..services.trail import checkpoint_payload

ZONE_NAMES = {"internal": _("Intranet zone"), "external": _("Internet zone"), "single": _("this portal")}


def public_checkpoints(*, limit: int = 20) -> list[dict]:
    """The newest checkpoints of both zones' trails, each with the text ``verify_trail --checkpoint``
    takes back, so that anyone who copied one can hold the zone to it later."""
    rows = TrailCheckpoint.objects.order_by("-made_at", "zone")[:limit]
    return [
        {
            "checkpoint": checkpoint,
            "zone": ZONE_NAMES.get(checkpoint.zone, checkpoint.zone),
            "text": json.dumps(checkpoint_payload(checkpoint), sort_keys=True),
        }
        for checkpoint in rows
    ]
