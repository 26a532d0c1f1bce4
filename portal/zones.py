"""Zones (DESIGN.md §2): which URL patterns a deployment mounts.

Each app's ``urls.py`` declares its patterns as ``routes = Routes(external=..., internal=...,
both=...)``. The root URLconf mounts only the current zone's, so an internal URL asked of the
external zone does not exist there at all: a 404, never a login page.
"""

from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.urls import include, path


@dataclass(frozen=True)
class Routes:
    external: list = field(default_factory=list)
    internal: list = field(default_factory=list)
    both: list = field(default_factory=list)

    def for_zone(self, zone: str) -> list:
        patterns = list(self.both)
        if serves_external(zone):
            patterns += self.external
        if serves_internal(zone):
            patterns += self.internal
        return patterns


def app_urlpatterns(zone: str, app_label: str) -> list:
    """The patterns of one app's ``urls.py`` that belong to ``zone``, under its namespace."""
    module = import_module(f"{app_label}.urls")
    return [path("", include((module.routes.for_zone(zone), module.app_name)))]


def serves_external(zone: str | None = None) -> bool:
    return (zone or settings.PORTAL_ZONE) in (settings.ZONE_SINGLE, settings.ZONE_EXTERNAL)


def serves_internal(zone: str | None = None) -> bool:
    return (zone or settings.PORTAL_ZONE) in (settings.ZONE_SINGLE, settings.ZONE_INTERNAL)
