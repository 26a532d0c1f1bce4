from django.contrib import admin

from portal.admin import ReadOnlyMixin

from . import admin_holidays  # noqa: F401  (registers the calendar's admins)
from .models import Case, CauseChange, Notification, OutboundMessage, PenaltyCase, TrailCheckpoint, TrailEntry

# Cases and what they leave behind: read-only. A case (or penalty case) changes state only through
# its services, which lock it, check who acts and write the trail; the trail itself is append-only.


class TrailEntryInline(ReadOnlyMixin, admin.TabularInline):
    model = TrailEntry
    fields = ["seq", "at", "actor_name", "role", "action", "from_state", "to_state", "step_name", "opinion"]
    readonly_fields = fields
    ordering = ["seq"]
    extra = 0
    show_change_link = True


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "item", "department", "state", "deadline_at", "submitted_at"]
    list_filter = ["state", "department"]
    list_select_related = ["item", "department"]
    search_fields = ["number", "applicant_name", "applicant_mobile"]
    date_hierarchy = "submitted_at"
    inlines = [TrailEntryInline]


class CauseChangeInline(ReadOnlyMixin, admin.TabularInline):
    model = CauseChange
    fields = ["changed_at", "changed_by", "old_item", "new_item", "reason"]
    readonly_fields = fields
    extra = 0


@admin.register(PenaltyCase)
class PenaltyCaseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "item", "department", "state", "amount", "out_of_range", "received_at"]
    list_filter = ["state", "out_of_range", "department"]
    list_select_related = ["item", "department"]
    search_fields = ["number", "party_name"]
    date_hierarchy = "received_at"
    inlines = [CauseChangeInline, TrailEntryInline]


@admin.register(TrailEntry)
class TrailEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["seq", "case", "penalty_case", "action", "actor_name", "at"]
    list_filter = ["action", "role"]
    list_select_related = ["case", "penalty_case"]
    search_fields = ["case__number", "penalty_case__number", "actor_name"]
    ordering = ["-seq"]


@admin.register(TrailCheckpoint)
class TrailCheckpointAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """This zone's checkpoints and the other zone's copies (docs/cases.md, "The trail")."""

    list_display = ["zone", "seq", "count", "made_at", "head"]
    list_filter = ["zone"]
    date_hierarchy = "made_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "recipient", "case", "kind", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient", "case"]
    search_fields = ["case__number", "recipient__username", "text"]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Every SMS and e-mail handed to the sending backend: with the development backend, they end here."""

    list_display = ["sent_at", "channel", "to", "subject"]
    list_filter = ["channel", "backend"]
    search_fields = ["to", "subject", "body"]
    date_hierarchy = "sent_at"
