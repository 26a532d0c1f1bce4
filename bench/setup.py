import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_setup(settings: str = "portal.settings.local") -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()
