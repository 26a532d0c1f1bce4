from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self):
        from .rules.defaults import rules_ensure_on_migrate

        post_migrate.connect(rules_ensure_on_migrate, sender=self, dispatch_uid="supervision.rules")
        # Registers the handlers of the exchange's complaint and evaluation packets.
        from . import exchange  # noqa: F401
