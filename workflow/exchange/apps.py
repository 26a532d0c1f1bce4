from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "workflow.exchange"
    label = "exchange"
    verbose_name = _("Exchange between zones")

    def ready(self):
        from portal.selectors import health_check_register

        from .selectors import exchange_health

        health_check_register("exchange", exchange_health)
