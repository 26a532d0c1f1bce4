from django.contrib import admin

from portal.admin import ReadOnlyMixin

from .models import InboundPacket, OutboundPacket


@admin.register(OutboundPacket)
class OutboundPacketAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "stream", "seq", "attempts", "shipped_at", "acked_at", "last_error"]
    list_filter = ["kind", ("acked_at", admin.EmptyFieldListFilter)]
    search_fields = ["stream", "id"]
    date_hierarchy = "created_at"


@admin.register(InboundPacket)
class InboundPacketAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Quarantined packets are listed here with their reason; they are never applied."""

    list_display = ["received_at", "state", "kind", "source", "stream", "seq", "reason"]
    list_filter = ["state", "kind", "source"]
    search_fields = ["stream", "packet_id", "reason"]
    date_hierarchy = "received_at"
