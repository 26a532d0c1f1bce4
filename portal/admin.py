from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Department, Heartbeat, User
from .services import staff_assign_department


class ReadOnlyMixin:
    """For admins and inlines of records only services write: shows rows, adds, changes and deletes none."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "name", "department", "is_staff", "is_active"]
    list_filter = ["groups", "department", "is_staff", "is_active"]
    search_fields = ["username", "name", "mobile", "id_number"]
    ordering = ["username"]
    autocomplete_fields = ["department"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["name", "mobile", "id_number", "department"]}),
        (_("Roles and rights"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "name", "department", "groups", "password1", "password2"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The department field decides the department group, whatever the groups field said.
        staff_assign_department(user=form.instance, department=form.instance.department)


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "beat_at"]
