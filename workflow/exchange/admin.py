from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.admin import ReadOnlyMixin

from . import services
from .models import InboundPacket, InboundState, OutboundPacket, PeerHealth, QuarantineDecision


@admin.register(OutboundPacket)
class OutboundPacketAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "stream", "seq", "attempts", "shipped_at", "acked_at", "last_error"]
    list_filter = ["kind", ("acked_at", admin.EmptyFieldListFilter)]
    search_fields = ["stream", "id"]
    date_hierarchy = "created_at"


class QuarantineDecisionInline(ReadOnlyMixin, admin.TabularInline):
    model = QuarantineDecision
    fields = ["at", "action", "actor", "reason", "outcome"]
    readonly_fields = fields
    extra = 0


class QuarantineActionForm(ActionForm):
    reason = forms.CharField(label=_("Why"), required=False, max_length=500)


@admin.register(InboundPacket)
class InboundPacketAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Quarantined packets are listed with their reason; an administrator retries or dismisses
    them, saying why, and each decision is kept below the packet."""

    list_display = ["received_at", "state", "reason_code", "kind", "source", "stream", "seq", "reason"]
    list_filter = ["state", "reason_code", "kind", "source"]
    search_fields = ["stream", "packet_id", "reason"]
    date_hierarchy = "received_at"
    inlines = [QuarantineDecisionInline]
    action_form = QuarantineActionForm
    actions = ["retry", "dismiss"]

    def has_resolve_permission(self, request):
        return request.user.has_perm("exchange.resolve_quarantine")

    def _decide(self, request, queryset, service):
        reason = request.POST.get("reason", "")
        done = 0
        for packet in queryset.filter(state=InboundState.QUARANTINED):
            try:
                decision = service(packet=packet, actor=request.user, reason=reason)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return
            done += 1
            self.message_user(request, f"{packet}: {decision.outcome}", messages.INFO)
        if not done:
            self.message_user(request, _("None of the chosen packets is quarantined."), messages.WARNING)

    @admin.action(description=_("Retry the chosen quarantined packets"), permissions=["resolve"])
    def retry(self, request, queryset):
        self._decide(request, queryset, services.quarantine_retry)

    @admin.action(description=_("Dismiss the chosen quarantined packets"), permissions=["resolve"])
    def dismiss(self, request, queryset):
        self._decide(request, queryset, services.quarantine_dismiss)


@admin.register(PeerHealth)
class PeerHealthAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["zone", "reported_at", "unacknowledged", "pending", "quarantined"]
