import time

from django.conf import settings
from django.core.management.base import BaseCommand

from video import services


class Command(BaseCommand):
    help = "Grab a snapshot from every enabled camera, once or every minute until Ctrl-C (what beat does)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one cycle and exit.")

    def handle(self, *args, **options):
        while True:
            result = services.snapshot_cycle()
            services.snapshots_count_people(snapshot_ids=result["to_count"])
            self.stdout.write(f"{result['cameras']} cameras: {result['online']} online, {result['offline']} offline")
            if options["once"]:
                return
            time.sleep(settings.VIDEO_GRAB_INTERVAL.total_seconds())
