"""Rule K1: deadlines counted over a year whose holiday schedule is not entered in full.

Such a deadline is provisional (workflow.calendar): New Year, Labour Day and National Day stand in
for the State Council's schedule, and the lunar holidays are missing. One yellow card per year,
for inspectors: open cases due in it (one grouped query over the open cases' due moments, read
by the ``case_all_due`` index), or the next year starting within the rule's yellow threshold
(days) without its schedule. Marking the year complete clears it at the next sweep.
"""

from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from workflow.calendar import WorkingCalendar
from workflow.models import URGENCY
from workflow.models import Case as CaseModel

from ..constants import Level
from .common import Finding, start_of


def _outside(complete: frozenset[int]) -> Q:
    """Due moments outside the complete years: before the first, after the last, or in a gap."""
    if not complete:
        return Q()
    first, last = min(complete), max(complete)
    outside = Q(due__lt=start_of(date(first, 1, 1))) | Q(due__gte=start_of(date(last + 1, 1, 1)))
    for year in set(range(first, last + 1)) - complete:
        outside |= Q(due__gte=start_of(date(year, 1, 1)), due__lt=start_of(date(year + 1, 1, 1)))
    return outside


def holiday_calendar(rule, at, calendar: WorkingCalendar) -> list[Finding]:
    complete = calendar.complete_years
    zone = timezone.get_default_timezone()
    due_by_year = (
        CaseModel.objects.open()
        .alias(due=URGENCY)
        .filter(_outside(complete))
        .annotate(year=ExtractYear("due", tzinfo=zone))
        .values("year")
        .annotate(count=Count("pk"))
        .order_by()
    )
    findings = {
        row["year"]: Finding(
            row["year"],
            Level.YELLOW,
            detail=_("%(count)d open cases are due in %(year)d, whose holiday schedule is not entered in full.")
            % {"count": row["count"], "year": row["year"]},
        )
        for row in due_by_year
    }
    today = timezone.localdate(at, zone)
    next_year, notice = today.year + 1, rule.yellow_threshold
    days_to_go = (date(next_year, 1, 1) - today).days
    if next_year not in complete and next_year not in findings and notice is not None and days_to_go <= notice:
        findings[next_year] = Finding(
            next_year,
            Level.YELLOW,
            detail=_("%(year)d begins in %(days)d days and its holiday schedule is not entered in full.")
            % {"year": next_year, "days": days_to_go},
        )
    return list(findings.values())
