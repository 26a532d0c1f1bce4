from django.urls import path

from portal.zones import Routes

from . import views

app_name = "powers"

routes = Routes(
    external=[
        path("catalogue/", views.catalogue, name="catalogue"),
        # Before the item pattern, which would take "transparency" for a code.
        path("catalogue/transparency/", views.transparency, name="transparency"),
        path("catalogue/<str:code>/", views.item, name="item"),
        path("catalogue/<str:code>/flowchart.svg", views.flowchart, name="flowchart"),
    ],
)
