from django.urls import path

from portal.zones import Routes

from . import views

app_name = "exchange"

# Both zones receive packets from their peer (the http transport).
routes = Routes(both=[path("exchange/packets", views.packets, name="packets")])
