from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Cases")

    def ready(self):
        # Registers the handler of the exchange's penalty.published packets.
        from .services import penalties  # noqa: F401
