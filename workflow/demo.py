"""Demo data for `manage.py seed_demo`: the working-day calendar, from the chinese-calendar package."""

from .services.holidays import holidays_seed_from_package


def seed() -> list[tuple[str, str]]:
    """Store every year the package knows; adds no demo login."""
    holidays_seed_from_package()
    return []
