import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.models import User

from ...models import InboundPacket, InboundState
from ...services import exchange_once, quarantine_dismiss, quarantine_retry
from ...transports import transport_for


class Command(BaseCommand):
    help = (
        "Ship the outbox, receive, apply and acknowledge packets from the other zone (once, or every few "
        "seconds); or list, show, retry and dismiss quarantined packets (--quarantine)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
        parser.add_argument(
            "--quarantine",
            nargs="+",
            metavar=("ACTION", "ID"),
            help="list | show ID | retry ID | dismiss ID: the packets that need a person",
        )
        parser.add_argument("--reason", default="", help="why (retry and dismiss are recorded with it)")
        parser.add_argument("--by", default="", help="the administrator's username (retry and dismiss)")

    def handle(self, *args, once: bool, interval: float, quarantine: list[str] | None, **options):
        if quarantine:
            return self._quarantine(*quarantine, reason=options["reason"], by=options["by"])
        transport = transport_for()
        while True:
            counts = exchange_once(transport)
            self.stdout.write(" ".join(f"{name}={n}" for name, n in counts.items()))
            if once:
                return
            time.sleep(interval)

    def _quarantine(self, action: str, *ids: str, reason: str, by: str) -> None:
        if action == "list":
            for packet in InboundPacket.objects.filter(state=InboundState.QUARANTINED).order_by("received_at"):
                self.stdout.write(
                    f"{packet.pk}\t{packet.received_at:%Y-%m-%d %H:%M:%S}\t{packet.reason_code or '-'}\t"
                    f"{packet.kind or '?'}\t{packet.stream or '?'}#{packet.seq or '?'}\t{packet.reason}"
                )
            return
        if action not in ("show", "retry", "dismiss") or len(ids) != 1:
            raise CommandError("--quarantine takes: list | show ID | retry ID | dismiss ID")
        packet = InboundPacket.objects.filter(pk=ids[0]).first() if ids[0].isdigit() else None
        if packet is None:
            raise CommandError(f"No inbound packet {ids[0]}.")
        if action == "show":
            return self._show(packet)
        actor = User.objects.filter(username=by, is_staff=True).first()
        if actor is None or not actor.has_perm("exchange.resolve_quarantine"):
            raise CommandError("--by must name a staff account allowed to retry or dismiss quarantined packets.")
        service = quarantine_retry if action == "retry" else quarantine_dismiss
        try:
            decision = service(packet=packet, actor=actor, reason=reason)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"{packet.pk}: {decision.outcome}")

    def _show(self, packet: InboundPacket) -> None:
        for label, value in [
            ("id", packet.pk),
            ("state", packet.state),
            ("check failed", packet.reason_code),
            ("reason", packet.reason),
            ("packet id", packet.packet_id),
            ("kind", packet.kind),
            ("source", packet.source),
            ("stream", f"{packet.stream}#{packet.seq or '?'}"),
            ("received at", packet.received_at.isoformat()),
            ("copy as received", packet.raw or "-"),
        ]:
            self.stdout.write(f"{label}: {value}")
        for decision in packet.decisions.select_related("actor"):
            actor = decision.actor.username if decision.actor else "exchange"
            self.stdout.write(
                f"{decision.at.isoformat()} {decision.action} by {actor}: {decision.reason} → {decision.outcome}"
            )
