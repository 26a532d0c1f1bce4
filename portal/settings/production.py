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

CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# HTTPS only, unless SECURE_COOKIES is turned off for a trial on plain HTTP: then HSTS must be
# off too, or browsers would refuse the trial host for a year.
HTTPS_ONLY = env("SECURE_COOKIES")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_SSL_REDIRECT = HTTPS_ONLY
# The container's healthcheck asks http://127.0.0.1:8000/healthz, past the proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
# Preloading commits the whole registrable domain (e.g. every host under a gov.cn name) to
# HTTPS in every browser; that is the domain owner's decision, not this application's.
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]  # noqa: F405
