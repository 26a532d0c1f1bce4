from django.conf import settings


def client_address(request) -> str | None:
    """The visitor's address, as the trail and the rate limits record it.

    REMOTE_ADDR by default; behind the zone's reverse proxy, the header it sets (CLIENT_ADDRESS_HEADER).
    """
    return request.META.get(settings.CLIENT_ADDRESS_META) or None
