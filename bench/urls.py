from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def bare(request):
    """The floor: what Django costs on this machine for a view that does nothing."""
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), *portal_urlpatterns]
