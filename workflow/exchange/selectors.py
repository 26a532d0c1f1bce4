from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from .models import InboundPacket, InboundState, OutboundPacket


def exchange_health() -> dict:
    """The exchange's backlog for /healthz: unacknowledged packets (and the oldest one's age),
    packets waiting to be applied, and quarantined packets, which need an administrator."""
    outbox = OutboundPacket.objects.filter(acked_at__isnull=True).aggregate(n=Count("pk"), oldest=Min("created_at"))
    inbox = InboundPacket.objects.aggregate(
        pending=Count("pk", filter=Q(state=InboundState.PENDING)),
        quarantined=Count("pk", filter=Q(state=InboundState.QUARANTINED)),
    )
    age = round((timezone.now() - outbox["oldest"]).total_seconds()) if outbox["oldest"] else 0
    return {
        "ok": inbox["quarantined"] == 0 and age <= settings.EXCHANGE_BACKLOG_MAX_AGE.total_seconds(),
        "transport": settings.EXCHANGE_TRANSPORT,
        "unacknowledged": outbox["n"],
        "oldest_unacknowledged_seconds": age,
        "pending": inbox["pending"],
        "quarantined": inbox["quarantined"],
    }
