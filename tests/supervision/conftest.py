# The case fixtures of the workflow tests: the rules watch those same cases.
from tests.workflow.conftest import (  # noqa: F401
    calendar_2025_2026,
    citizen,
    department,
    enforcers,
    file_case,
    item,
    open_clue,
    other_department,
    penalty_item,
    staff,
)
