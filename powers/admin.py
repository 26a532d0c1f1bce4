"""The catalogue administrators' workplace.

Editors see and edit only the items of departments they hold ``portal.edit_catalogue`` for (on
the department, or globally). Only drafts are editable; a published item opens read-only, and
the "new version" action gives the draft in which to change it. The history pages are scoped as
the change page and read only: django-simple-history's "revert" saved a history row over the
item, past the department scope, the publication rule and the status's own transitions. A history
row's content comes back as the item's draft instead (``power_item_draft_from_history``).
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django_fsm import TransitionNotAllowed
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .admin_import import CatalogueImportAdminMixin
from .models import DiscretionStandard, ImportJob, Material, PowerItem, Step
from .selectors import can_edit_department, editable_departments, editable_items


class DraftOnlyInline(admin.TabularInline):
    extra = 0

    def _editable(self, request, obj) -> bool:
        return obj is None or (obj.is_editable and can_edit_department(request.user, obj.department))

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(request, obj)


class StepInline(DraftOnlyInline):
    model = Step
    fields = ["position", "name", "role", "days_limit", "risk_points"]


class MaterialInline(DraftOnlyInline):
    model = Material
    fields = ["position", "name", "required", "copies", "form_template"]


class DiscretionStandardInline(DraftOnlyInline):
    model = DiscretionStandard
    fields = ["level", "circumstances", "amount_min", "amount_max", "other_sanctions"]


def _transition_action(service, description):
    """An admin action firing one publication step on each selected item, reporting each refusal."""

    def action(modeladmin, request, queryset):
        done = 0
        for item in queryset:
            try:
                service(user=request.user, item=item)
                done += 1
            except (PermissionDenied, TransitionNotAllowed, ValidationError) as error:
                reason = error.messages[0] if isinstance(error, ValidationError) else str(error)
                modeladmin.message_user(
                    request,
                    _("%(item)s: %(reason)s") % {"item": item, "reason": reason or _("not allowed in its state")},
                    messages.ERROR,
                )
        if done:
            modeladmin.message_user(request, _("%(count)d item(s) done.") % {"count": done}, messages.SUCCESS)

    action.short_description = description
    action.__name__ = service.__name__
    return action


@admin.register(PowerItem)
class PowerItemAdmin(CatalogueImportAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "category", "department", "version", "status", "cleanup_status"]
    list_filter = ["status", "category", "cleanup_status", "department"]
    search_fields = ["code", "name", "legal_basis"]
    list_select_related = ["department"]
    list_per_page = 50
    readonly_fields = ["version", "status", "published_at"]
    object_history_form_template = "admin/powers/poweritem/history_form.html"
    inlines = [StepInline, MaterialInline, DiscretionStandardInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "category", "department", "version", "status", "published_at"]}),
        (_("Legal basis and conditions"), {"fields": ["legal_basis", "conditions"]}),
        (
            _("Time limits"),
            {"fields": ["is_immediate", "legal_days", "promised_days", "extension_days"]},
        ),
        (_("Fees"), {"fields": ["fee_standard", "fee_basis"]}),
        (_("Statutory fine (penalty items)"), {"fields": ["legal_fine_min", "legal_fine_max"]}),
        (_("Rights and complaints"), {"fields": ["rights", "complaint_channel"]}),
        (_("Cleanup"), {"fields": ["cleanup_status", "merged_into"]}),
    ]
    actions = [
        _transition_action(services.power_item_new_version, _("Make a new draft version")),
        _transition_action(services.power_item_submit, _("Submit for review")),
        _transition_action(services.power_item_reject, _("Send back to draft")),
        _transition_action(services.power_item_publish, _("Publish")),
        _transition_action(services.power_item_abolish, _("Abolish")),
    ]

    def get_queryset(self, request):
        return editable_items(request.user).select_related("department")

    def _scoped(self, request, object_id) -> None:
        """The history pages of an item this user may not open are absent, as its change page is."""
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._scoped(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._scoped(request, object_id)
        if request.method == "POST":
            return self._draft_from_history(request, object_id, version_id)
        item = self.get_object(request, unquote(object_id))
        context = {**(extra_context or {}), "may_draft": can_edit_department(request.user, item.department)}
        return super().history_form_view(request, object_id, version_id, context)

    def _draft_from_history(self, request, object_id, version_id):
        """The row's content goes into the item's draft (the posted fields are not read)."""
        if "_draft_from_history" not in request.POST:
            raise PermissionDenied(_("A history row is only read; change an item in its draft."))
        item = self.get_object(request, unquote(object_id))
        record = get_object_or_404(PowerItem.history, id=item.pk, history_id=version_id)
        try:
            draft = services.power_item_draft_from_history(user=request.user, item=item, record=record)
        except ValidationError as error:
            self.message_user(request, error.messages[0], messages.ERROR)
            return redirect(request.path)
        self.message_user(
            request,
            _("Version %(version)s is a draft with the content of this history row.") % {"version": draft.version},
            messages.SUCCESS,
        )
        return redirect("admin:powers_poweritem_change", draft.pk)

    def revert_disabled(self, request, obj=None):
        return True

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # The code names the item across its versions: fixed once the item exists.
            return [*self.readonly_fields, "code"]
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = editable_departments(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or (obj.is_editable and can_edit_department(request.user, obj.department)))

    def has_delete_permission(self, request, obj=None):
        # Only a draft that was never published may go; anything else is history.
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or (obj.is_editable and obj.version == 1))

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            services.power_item_create(user=request.user, item=obj)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "file", "dry_run", "state", "processed_rows", "total_rows", "created_by"]
    list_filter = ["state", "dry_run"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
