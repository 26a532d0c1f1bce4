from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from .models import InboundPacket, InboundState, OutboundPacket, PeerHealth
from .packets import Reason


def exchange_health() -> dict:
    """The exchange's backlog for /healthz: unacknowledged packets (and the oldest one's age),
    packets waiting to be applied, and quarantined packets, which need an administrator."""
    outbox = OutboundPacket.objects.filter(acked_at__isnull=True).aggregate(n=Count("pk"), oldest=Min("created_at"))
    inbox = InboundPacket.objects.aggregate(pending=Count("pk", filter=Q(state=InboundState.PENDING)))
    # Only what still needs a person: superseded and dismissed packets are done with.
    by_reason = dict(
        InboundPacket.objects.filter(state=InboundState.QUARANTINED)
        .order_by()
        .values_list("reason_code")
        .annotate(n=Count("pk"))
    )
    quarantined = sum(by_reason.values())
    age = round((timezone.now() - outbox["oldest"]).total_seconds()) if outbox["oldest"] else 0
    return {
        "ok": quarantined == 0 and age <= settings.EXCHANGE_BACKLOG_MAX_AGE.total_seconds(),
        "transport": settings.EXCHANGE_TRANSPORT,
        "unacknowledged": outbox["n"],
        "oldest_unacknowledged_seconds": age,
        "pending": inbox["pending"],
        "quarantined": quarantined,
        # Quarantined before the reasons were coded (or by a handler that gave none) count as handler.
        "quarantined_by_reason": {
            reason: by_reason.get(reason, 0) + (by_reason.get("", 0) if reason == Reason.HANDLER else 0)
            for reason in Reason.values
        },
    }


def peer_health() -> PeerHealth | None:
    """The other zone's exchange as it last reported it (the internal zone hears from the external)."""
    return PeerHealth.objects.first()
