from django.conf import settings

from .navigation import nav_entries
from .zones import serves_external


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "zone": settings.PORTAL_ZONE,
        "nav_entries": nav_entries(request.user) if hasattr(request, "user") else [],
        "can_register": serves_external(),
    }
