"""The embedded run on a developer's or demonstrator's machine (`make run`)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)

# Static files come from the app and project folders through the finders; collectstatic
# belongs to production.
STATIC_ROOT = None
