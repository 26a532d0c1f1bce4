from django.core.management.base import BaseCommand, CommandError

from video.fake_camera import FakeCamera


class Command(BaseCommand):
    help = "Serve a fake camera on loopback: /snapshot.jpg (JPEG) and /stream.mjpg (MJPEG), until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, required=True, help="TCP port; 0 picks a free one.")
        parser.add_argument("--source", help="An image or a video file; without it, a generated test card.")
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default: loopback only).")
        parser.add_argument("--fps", type=float, default=2.0, help="Frames per second on the MJPEG stream.")

    def handle(self, *args, port, source, host, fps, verbosity, **options):
        if fps <= 0:
            raise CommandError("--fps must be positive")
        try:
            camera = FakeCamera(source, host, port, fps=fps, verbose=verbosity > 1)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"fake camera on {camera.url}/snapshot.jpg and {camera.url}/stream.mjpg", ending="\n")
        self.stdout.flush()
        try:
            camera.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            camera.stop()
