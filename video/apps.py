from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VideoConfig(AppConfig):
    name = "video"
    verbose_name = _("Hall video")

    def ready(self):
        from workflow.hooks import TRAIL_LINKS

        from .selectors import trail_snapshot_links

        TRAIL_LINKS.append(trail_snapshot_links)
