"""What the evaluators share: cut-off moments from the calendar and the shape of a finding."""

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Case, CharField, F, Q, Value, When
from django.utils import timezone

from workflow.calendar import WorkingCalendar

from ..constants import Level


@dataclass(frozen=True)
class Finding:
    """A finding given as such rather than queried: reported by another app (cameras, the
    exchange), or one of the few a rule finds about the calendar's years."""

    subject_id: int
    level: str
    department_id: int | None = None
    detail: str = ""


def start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def findings(queryset, level, detail=None, case=None):
    """A queryset of cases as findings about themselves; ``case`` is the licensing case the alert
    links to (the case itself by default; a penalty case has none: ``Value(None)``)."""
    return queryset.values(
        finding_subject=F("pk"),
        finding_level=level,
        finding_department=F("department_id"),
        finding_case=case if case is not None else F("pk"),
        finding_detail=detail if detail is not None else Value(""),
    )


def level_of(red: Q | None, yellow: Q | None):
    whens = [When(red, then=Value(Level.RED))] if red is not None else []
    whens += [When(yellow, then=Value(Level.YELLOW))] if yellow is not None else []
    return Case(*whens, default=Value(""), output_field=CharField())


def started_before(field: str, calendar: WorkingCalendar, today, days: int) -> Q:
    """Whatever started on ``field`` before this has let ``days`` working days end before today."""
    return Q(**{f"{field}__lt": start_of(calendar.first_start_in_time(today, days))})


def any_of(conditions) -> Q:
    """The conditions OR-ed; none of them matches nothing."""
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined
