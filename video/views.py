from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from . import selectors
from .models import Camera, Snapshot

VIEW_CAMERAS = "video.view_camera"


@require_safe
@permission_required(VIEW_CAMERAS, raise_exception=True)
def wall(request):
    """The latest frame of every camera; htmx asks for the wall alone every few seconds."""
    template = "video/wall_cameras.html" if request.htmx else "video/wall.html"
    return render(request, template, {"halls": selectors.camera_wall()})


@require_safe
@permission_required(VIEW_CAMERAS, raise_exception=True)
def camera_detail(request, camera_id: int):
    camera = get_object_or_404(Camera.objects.select_related("department"), pk=camera_id)
    page = Paginator(selectors.camera_snapshots(camera), 24).get_page(request.GET.get("page"))
    return render(request, "video/camera_detail.html", {"camera": camera, "page_obj": page})


@require_safe
@permission_required(VIEW_CAMERAS, raise_exception=True)
def snapshot_image(request, snapshot_id: int):
    # Hall pictures are not public media: each one is served after the permission check.
    snapshot = get_object_or_404(Snapshot, pk=snapshot_id)
    return FileResponse(snapshot.image.open("rb"), content_type="image/jpeg")
