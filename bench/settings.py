"""The embedded settings as production would serve them (no debug), plus a bare view to compare with."""

from portal.settings.local import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.urls"
LOGGING = {"version": 1, "disable_existing_loggers": True}
