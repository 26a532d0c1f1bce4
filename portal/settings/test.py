"""The test suite: the same database and broker as configured, fast password hashing."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = str(BASE_DIR / "var" / "test-media")  # noqa: F405

# The embedded broker's directory is separate from `make run`'s, so a demo worker running on
# the same machine never takes the suite's messages.
if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    _queue = str(VAR_DIR / "test-broker" / "queue")  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {  # noqa: F405
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "data_folder_in": _queue,
        "data_folder_out": _queue,
        "control_folder": str(VAR_DIR / "test-broker" / "control"),  # noqa: F405
    }

# Static files come from the finders, as in the embedded run: no collectstatic before tests.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None

# The suite's own CA, kept between runs so that its keys are made once.
SEAL_DIR = str(VAR_DIR / "test-ca")  # noqa: F405
