import pytest

from workflow.services import holidays_seed_from_package


@pytest.fixture
def calendar_2025_2026(db):
    """The package's schedule for 2025 and 2026 in the Holiday table."""
    return holidays_seed_from_package(years=range(2025, 2027))
