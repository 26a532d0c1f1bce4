"""A deployed zone: secrets must come from the environment, static files are fingerprinted."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import EXCHANGE_KEY, SECRET_KEY, TRAIL_KEY, env

DEBUG = False


def _require_secret(name: str, value: str) -> None:
    if len(value) < 32 or value.startswith("embedded-run-only"):
        raise ImproperlyConfigured(f"{name} must be set to a secret of at least 32 characters")


_require_secret("SECRET_KEY", SECRET_KEY)
_require_secret("EXCHANGE_KEY", EXCHANGE_KEY)
_require_secret("TRAIL_KEY", TRAIL_KEY)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_SECURE = env("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
