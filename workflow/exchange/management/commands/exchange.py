import time

from django.core.management.base import BaseCommand

from ...services import exchange_once
from ...transports import transport_for


class Command(BaseCommand):
    help = "Ship the outbox, receive, apply and acknowledge packets from the other zone (once, or every few seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")

    def handle(self, *args, once: bool, interval: float, **options):
        transport = transport_for()
        while True:
            counts = exchange_once(transport)
            self.stdout.write(" ".join(f"{name}={n}" for name, n in counts.items()))
            if once:
                return
            time.sleep(interval)
