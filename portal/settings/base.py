"""Settings shared by every environment.

Every environment variable the portal reads is declared once, in ``env`` below, with its type
and default; docs/configuration.md explains each one. Every default serves the embedded run
(`make run`): SQLite and a filesystem broker under ``var/``, no Docker, Postgres or Redis.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
environ.Env.read_env(BASE_DIR / ".env")

# Where the embedded defaults keep their files (SQLite, broker queue, spool, media, static): one
# directory per zone when two zones run on one machine (``make run-zones``).
env = environ.Env(VAR_DIR=(str, str(BASE_DIR / "var")))
VAR_DIR = Path(env("VAR_DIR")).resolve()
env.scheme.update(
    DEBUG=(bool, False),
    SECRET_KEY=(str, "embedded-run-only-not-secret"),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "[::1]"]),
    PORTAL_ZONE=(str, "single"),
    DATABASE_URL=(str, f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
    CELERY_BROKER_URL=(str, "filesystem://"),
    REDIS_URL=(str, ""),
    EXCHANGE_TRANSPORT=(str, "local"),
    EXCHANGE_KEY=(str, "embedded-run-only-exchange-key"),
    EXCHANGE_SPOOL_DIR=(str, str(VAR_DIR / "spool")),
    EXCHANGE_PEER_URL=(str, ""),
    MEDIA_ROOT=(str, str(VAR_DIR / "media")),
    STATIC_ROOT=(str, str(VAR_DIR / "static")),
    TIME_ZONE=(str, "Asia/Shanghai"),
    SECURE_COOKIES=(bool, True),
    CSRF_TRUSTED_ORIGINS=(list, []),
    VIDEO_RETENTION_DAYS=(int, 30),
    UPLOAD_MAX_MB=(int, 10),
    REQUEST_MAX_MB=(int, 100),
    MESSAGE_BACKEND=(str, "workflow.messaging.LogBackend"),
    TRACK_RATE=(str, "20/m"),
    PUBLIC_URL=(str, "http://127.0.0.1:8000"),
    CLIENT_ADDRESS_HEADER=(str, "REMOTE_ADDR"),
    CLIENT_ADDRESS_PROXIES=(list, []),
    EXCHANGE_INTERVAL=(int, 30),
    TRAIL_KEY=(str, "embedded-run-only-trail-key"),
    PDF_FONT_PATH=(str, "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    SEAL_DIR=(str, str(VAR_DIR / "ca")),
)

# ------------------------------------------------------------------------------------------
# Core
# ------------------------------------------------------------------------------------------
DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")

ZONE_SINGLE, ZONE_EXTERNAL, ZONE_INTERNAL = "single", "external", "internal"
PORTAL_ZONE = env("PORTAL_ZONE")
if PORTAL_ZONE not in (ZONE_SINGLE, ZONE_EXTERNAL, ZONE_INTERNAL):
    raise environ.ImproperlyConfigured(f"PORTAL_ZONE must be single, external or internal, not {PORTAL_ZONE!r}")
# Cookies ignore ports: two zones on one host (``make run-zones``) would log each other out.
SESSION_COOKIE_NAME = f"sessionid_{PORTAL_ZONE}"
CSRF_COOKIE_NAME = f"csrftoken_{PORTAL_ZONE}"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "axes",
    "django_htmx",
    "csp",
    "pgtrigger",
    "django_celery_beat",
    "simple_history",
    "portal",
    "powers",
    "django_ratelimit",
    "workflow",
    "workflow.exchange",
    "supervision",
    "video",
]

MIDDLEWARE = [
    # Before anything can read the body: a request announcing more than REQUEST_MAX_BYTES is a 413.
    "portal.middleware.RequestSizeLimitMiddleware",
    "portal.middleware.NulByteMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session, CSRF and message middleware, to see the cookies they set; it reads
    # request.user on the way out, when authentication has run. Static files never reach it.
    "portal.middleware.PersonalDataNoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Replaces control and bidirectional characters in every page (see portal.text).
    "portal.middleware.UnsafeTextMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns django-ratelimit's refusal into RATELIMIT_VIEW's answer (a 429 page).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Axes must come last: it turns a lock-out raised during login into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

# ------------------------------------------------------------------------------------------
# Database
# ------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded run has a web server, a worker and beat writing to one file: WAL lets
    # readers go on during a write, IMMEDIATE takes the write lock up front instead of
    # failing half-way through a transaction, and the timeout waits for the lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------------------------
# Cache: Redis when REDIS_URL is set, else memory of this process.
# ------------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# ------------------------------------------------------------------------------------------
# Accounts: custom user, guardian object permissions, axes lock-out
# ------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Nobody outside a login gets object permissions: no guardian "AnonymousUser" row.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Five failures of one account from one address lock that pair for 30 minutes. Locking on the
# account alone would let anyone lock a citizen out; on the address alone, a whole service
# hall behind one NAT.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Behind the reverse proxy, REMOTE_ADDR is the proxy's: keyed on it, anyone could lock any citizen out.
AXES_CLIENT_IP_CALLABLE = "portal.requests.client_address"

SESSION_COOKIE_AGE = 60 * 60 * 8

# ------------------------------------------------------------------------------------------
# Browser security headers. HTTPS-only ones (HSTS, the redirect) are in production.py: the
# embedded run serves plain HTTP.
# ------------------------------------------------------------------------------------------
# Every script and stylesheet is a file under static/ (no inline code, no inline style), so an
# injected <script> or onclick=… never runs. Data for scripts travels in json_script blocks.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap's CSS draws its small icons (menu toggler, select arrow) as data: images.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# The browser features no page of the portal uses (portal.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), usb=()"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# ------------------------------------------------------------------------------------------
# Internationalisation: Simplified Chinese first, English available
# ------------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

# ------------------------------------------------------------------------------------------
# Static and media files: everything vendored, served by whitenoise
# ------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# ------------------------------------------------------------------------------------------
# Celery: the broker is Redis in production, a directory under var/ in the embedded run.
# ------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_BROKER_SPOOL_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_SPOOL_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_SPOOL_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_SPOOL_DIR / "control"),
        "store_processed": False,
    }
else:
    # Redis redelivers any task not acknowledged within the visibility timeout; no task here
    # is scheduled further ahead than this, so none is delivered twice for that reason.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Every periodic task of the portal, in one place. django-celery-beat copies these into its
# tables at start, where administrators can see and pause them.
HEARTBEAT_INTERVAL = timedelta(seconds=30)
HEARTBEAT_MAX_AGE = timedelta(minutes=2)
VIDEO_GRAB_INTERVAL = timedelta(minutes=1)
SUPERVISION_SWEEP_INTERVAL = timedelta(minutes=1)
EXCHANGE_INTERVAL = timedelta(seconds=env("EXCHANGE_INTERVAL"))
# Entries appended since the last checkpoint can still be removed unnoticed: keep this short.
TRAIL_CHECKPOINT_INTERVAL = timedelta(minutes=5)
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "portal.tasks.heartbeat", "schedule": HEARTBEAT_INTERVAL},
    "grab-snapshots": {"task": "video.tasks.grab_snapshots", "schedule": VIDEO_GRAB_INTERVAL},
    "purge-snapshots": {"task": "video.tasks.purge_snapshots", "schedule": crontab(hour=3, minute=30)},
    "purge-orphan-files": {"task": "workflow.tasks.purge_orphan_files", "schedule": crontab(hour=4, minute=15)},
    "supervision-sweep": {"task": "supervision.tasks.run_sweep", "schedule": SUPERVISION_SWEEP_INTERVAL},
    "exchange": {"task": "workflow.exchange.tasks.exchange_run", "schedule": EXCHANGE_INTERVAL},
    "trail-checkpoint": {"task": "workflow.tasks.trail_checkpoint", "schedule": TRAIL_CHECKPOINT_INTERVAL},
    "monthly-scores": {
        "task": "supervision.tasks.compute_monthly_scores",
        "schedule": crontab(day_of_month=1, hour=1, minute=0),
    },
}
if PORTAL_ZONE == ZONE_EXTERNAL:
    # Supervision, cameras and scores work on the internal zone's data; the external zone holds
    # copies of cases and no cameras, so its beat only beats, exchanges, seals its own trail and
    # clears orphan files.
    CELERY_BEAT_SCHEDULE = {
        name: entry
        for name, entry in CELERY_BEAT_SCHEDULE.items()
        if name in ("heartbeat", "exchange", "trail-checkpoint", "purge-orphan-files")
    }

# Monthly department scores (绩效评估, `manage.py monthly_scores`; docs/configuration.md):
# score = on_time × on-time rate (the full on_time when nothing was concluded) − red × red cards
# − yellow × yellow cards − complaint × upheld complaints − rating × bad ratings, never below 0.
SUPERVISION_SCORE_FORMULA = {"on_time": 100, "red": 5, "yellow": 1, "complaint": 5, "rating": 2}

# ------------------------------------------------------------------------------------------
# Exchange between the external and the internal zone (DESIGN.md §2)
# ------------------------------------------------------------------------------------------
EXCHANGE_TRANSPORT = env("EXCHANGE_TRANSPORT")
if EXCHANGE_TRANSPORT not in ("local", "spool", "http"):
    raise environ.ImproperlyConfigured(f"EXCHANGE_TRANSPORT must be local, spool or http, not {EXCHANGE_TRANSPORT!r}")
EXCHANGE_KEY = env("EXCHANGE_KEY")
EXCHANGE_SPOOL_DIR = env("EXCHANGE_SPOOL_DIR")
EXCHANGE_PEER_URL = env("EXCHANGE_PEER_URL")
if EXCHANGE_TRANSPORT == "http" and not EXCHANGE_PEER_URL:
    raise environ.ImproperlyConfigured("EXCHANGE_TRANSPORT=http needs EXCHANGE_PEER_URL, the peer's /exchange/")
# The http transport refuses a request sent longer ago than this (a replay); clocks must agree.
EXCHANGE_REQUEST_WINDOW = timedelta(minutes=5)
# /healthz turns unhealthy when a packet has waited this long for the other zone's acknowledgement.
EXCHANGE_BACKLOG_MAX_AGE = timedelta(minutes=10)

# ------------------------------------------------------------------------------------------
# Cases (DESIGN.md §4)
# ------------------------------------------------------------------------------------------
UPLOAD_MAX_BYTES = env("UPLOAD_MAX_MB") * 1024 * 1024
# The largest request body (portal.middleware.RequestSizeLimitMiddleware), refused unread: an
# application's materials at UPLOAD_MAX_MB each, or a catalogue spreadsheet (50 MB at most), fit.
# A file over UPLOAD_MAX_MB but under this still reaches the form, which says what is wrong.
REQUEST_MAX_BYTES = env("REQUEST_MAX_MB") * 1024 * 1024
# A form's fields without its files (Django holds them in memory); files over the second
# figure go to a temporary file while they arrive.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
MESSAGE_BACKEND = env("MESSAGE_BACKEND")
# Where citizens reach the external zone: the QR codes on case documents point there.
PUBLIC_URL = env("PUBLIC_URL")
TRACK_RATE = env("TRACK_RATE")
# The TrueType CJK font embedded (as a subset) in every document: Debian's fonts-wqy-microhei.
# Missing, documents fall back to a CID font readers must supply, with a warning in the log.
PDF_FONT_PATH = env("PDF_FONT_PATH")
# The portal's own CA and each department's seal (workflow/documents/seals.py): keys stay on disk
# where documents are issued (internal, single), never in the database.
SEAL_DIR = env("SEAL_DIR")
# django-ratelimit counts in the default cache. Without REDIS_URL that is this process's memory,
# which is right for the embedded run's single web process; production sets REDIS_URL.
# django-ratelimit's W001 only knows django-redis by name; Django's own RedisCache counts with an
# atomic INCR just the same.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"] if REDIS_URL else ["django_ratelimit.E003", "django_ratelimit.W001"]
RATELIMIT_VIEW = "workflow.views.citizen.track_rate_limited"
# The trail's key (docs/cases.md): seals each entry and signs the checkpoints. Never stored in
# the database, so whoever holds only the database cannot forge a seal.
TRAIL_KEY = env("TRAIL_KEY")
# Where the visitor's address is read (portal.requests.client_address): behind a reverse proxy,
# the header it sets, e.g. HTTP_X_REAL_IP, believed only from the proxies' addresses when they
# are listed. The trail, the rate limits and the login lock-out all ask that one function.
CLIENT_ADDRESS_META = env("CLIENT_ADDRESS_HEADER")
CLIENT_ADDRESS_PROXIES = env("CLIENT_ADDRESS_PROXIES")
RATELIMIT_IP_META_KEY = "portal.requests.client_address"

# ------------------------------------------------------------------------------------------
# Hall cameras (DESIGN.md §6)
# ------------------------------------------------------------------------------------------
VIDEO_OPEN_TIMEOUT = 3.0  # seconds to connect to a camera
VIDEO_READ_TIMEOUT = 3.0  # seconds to wait for its frame
VIDEO_SNAPSHOT_WIDTH = 640  # snapshots are stored downscaled to this width
VIDEO_RETENTION = timedelta(days=env("VIDEO_RETENTION_DAYS"))

# ------------------------------------------------------------------------------------------
# The site
# ------------------------------------------------------------------------------------------
SITE_NAME = _("Sunshine Government Service Portal")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # Axes logs every attempt at INFO; failures and lock-outs are WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}
