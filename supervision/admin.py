"""Administrators tune the monitoring rules here; alerts, complaints, ratings and scores are shown
read-only (they change only through the supervision pages' services, which keep their trails)."""

from django.contrib import admin

from portal.admin import ReadOnlyMixin

from .models import Alert, AlertEvent, Complaint, DepartmentScore, Rating, Rule, SupervisionOrder


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    """Thresholds and switching a rule on or off; what a rule evaluates is code, not data."""

    list_display = ["code", "name", "applies_to", "yellow_threshold", "red_threshold", "enabled"]
    list_editable = ["yellow_threshold", "red_threshold", "enabled"]
    list_filter = ["applies_to", "enabled"]
    readonly_fields = ["code", "applies_to", "evaluator"]
    fields = ["code", "name", "applies_to", "evaluator", "yellow_threshold", "red_threshold", "enabled", "description"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AlertEventInline(ReadOnlyMixin, admin.TabularInline):
    model = AlertEvent
    fields = ["at", "action", "actor", "from_state", "to_state", "note"]
    readonly_fields = fields
    extra = 0


@admin.register(Alert)
class AlertAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["raised_at", "rule", "level", "state", "department", "case", "detail"]
    list_filter = ["level", "state", "rule", "department"]
    list_select_related = ["rule", "department", "case"]
    search_fields = ["case__number", "detail"]
    date_hierarchy = "raised_at"
    inlines = [AlertEventInline]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["issued_at", "department", "due_date", "answered_at"]
    list_filter = ["department"]
    list_select_related = ["department"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "source", "department", "state", "due_at", "upheld"]
    list_filter = ["state", "source", "upheld", "department"]
    list_select_related = ["department"]
    search_fields = ["number", "complainant_name", "content"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["rated_at", "case", "grade", "is_follow_up", "department", "rectified_at"]
    list_filter = ["grade", "department"]
    list_select_related = ["case", "department"]


@admin.register(DepartmentScore)
class DepartmentScoreAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["month", "rank", "department", "score", "concluded", "on_time", "red_alerts", "yellow_alerts"]
    list_filter = ["month"]
    list_select_related = ["department"]
