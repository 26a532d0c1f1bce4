from django.conf import settings


def client_address(request) -> str | None:
    """The visitor's address: the one place that decides it, for the trail, the rate limits and
    the login lock-out (django-axes).

    REMOTE_ADDR by default; behind the zone's reverse proxy, the header it sets
    (CLIENT_ADDRESS_HEADER). With CLIENT_ADDRESS_PROXIES set, the header is believed only from
    those proxies: a client that reaches the portal past them cannot name its own address.
    """
    meta = request.META
    proxies = settings.CLIENT_ADDRESS_PROXIES
    if proxies and meta.get("REMOTE_ADDR") not in proxies:
        return meta.get("REMOTE_ADDR") or None
    return meta.get(settings.CLIENT_ADDRESS_META) or None
