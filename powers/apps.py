from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PowersConfig(AppConfig):
    name = "powers"
    verbose_name = _("Power catalogue")

    def ready(self):
        # Registers the handler of the exchange's catalogue.published packets.
        from . import services  # noqa: F401
