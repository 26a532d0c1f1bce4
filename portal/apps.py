from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from . import roles

        # Runs after every app's permissions exist, so roles can name permissions of apps
        # that migrate after portal.
        post_migrate.connect(roles.sync_role_permissions_on_migrate, dispatch_uid="portal.roles")

        # The embedded broker is a directory: web (which enqueues and checks health), worker
        # and beat all need it before their first message.
        for key in ("data_folder_in", "data_folder_out", "control_folder"):
            folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)
