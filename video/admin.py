from django.contrib import admin

from .forms import CameraForm
from .models import Camera, Snapshot


@admin.register(Camera)
class CameraAdmin(admin.ModelAdmin):
    form = CameraForm
    list_display = ["name", "hall", "window_number", "department", "masked_source", "enabled", "online", "state_since"]
    list_filter = ["hall", "enabled", "online", "department"]
    search_fields = ["name", "hall", "window_number"]
    readonly_fields = ["online", "state_since", "last_frame_at", "last_error", "last_person_at"]


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["camera", "taken_at", "people"]
    list_filter = ["camera__hall"]
    date_hierarchy = "taken_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
