from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Cases")

    def ready(self):
        # Register the handlers of the exchange's packets about cases, penalty decisions and trails.
        from .services import case_handlers, penalties, trail  # noqa: F401
