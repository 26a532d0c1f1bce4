import hmac
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .models import InboundPacket
from .packets import acks_encode, request_signature


def _fresh(request, body: bytes) -> bool:
    """Signed by the peer, and sent within the window: an older request is a replay."""
    sent_at = request.headers.get("X-Exchange-Sent-At", "")
    given = request.headers.get("X-Exchange-Signature", "")
    if not hmac.compare_digest(request_signature(sent_at, body), given):
        return False
    try:
        moment = datetime.fromisoformat(sent_at)
    except ValueError:
        return False
    return moment.tzinfo is not None and abs(timezone.now() - moment) <= settings.EXCHANGE_REQUEST_WINDOW


@csrf_exempt  # machine to machine, authenticated by the signatures instead
@require_POST
def packets(request):
    """The peer's http transport delivers a packet: recorded (once) and acknowledged, or quarantined."""
    # Read from the stream, not request.body: a packet carries an application's materials, far
    # over DATA_UPLOAD_MAX_MEMORY_SIZE (a form's fields); REQUEST_MAX_BYTES bounds it instead.
    body = request.read()
    if not _fresh(request, body):
        return JsonResponse({"error": "unsigned, or sent outside the window"}, status=401)
    inbound = services.packet_receive(body)
    if inbound.raw_sha256:  # a damaged copy: quarantined, or superseded by its genuine copy
        return JsonResponse({"error": inbound.reason}, status=400)
    InboundPacket.objects.filter(pk=inbound.pk).update(acknowledged_at=timezone.now())
    transaction.on_commit(services.ship_soon)
    return HttpResponse(acks_encode([inbound.packet_id]), content_type="application/json")
