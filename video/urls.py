from django.urls import path

from portal.zones import Routes

from . import views

app_name = "video"

routes = Routes(
    internal=[
        path("video/", views.wall, name="wall"),
        path("video/cameras/<int:camera_id>/", views.camera_detail, name="camera"),
        path("video/snapshots/<int:snapshot_id>.jpg", views.snapshot_image, name="snapshot"),
    ],
)
