"""Monthly department scores: the internal page with every figure and a department's history,
and the public ranking (external zone, no login) with the figures fit to publish."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.models import Department
from portal.roles import Role
from portal.selectors import handled_department_ids

from ..selectors import stats as selectors
from ..services.scores import month_parse


def _chosen_month(text: str | None, months: list[date]) -> date | None:
    """The month asked for (YYYY-MM), which must have been scored; the latest scored by default."""
    if not text:
        return months[0] if months else None
    try:
        month = month_parse(text)
    except ValueError:
        raise Http404(_("Write the month as YYYY-MM.")) from None
    if month not in months:
        raise Http404(_("No scores have been computed for this month."))
    return month


def _month_choices(months: list[date]) -> list[tuple[str, date]]:
    return [(f"{month:%Y-%m}", month) for month in months]


@require_safe
@login_required
def scores(request):
    user = request.user
    if not selectors.may_see_scores(user):
        raise PermissionDenied(_("The scores are for discipline inspectors and department heads."))
    months = selectors.scored_months()
    month = _chosen_month(request.GET.get("month"), months)

    code = request.GET.get("department", "").strip()
    if code:
        department = get_object_or_404(Department, code=code)
    elif user.has_role(Role.DEPT_HEAD) and not user.has_role(Role.INSPECTOR):
        # A department head opens on their own department's history.
        department = Department.objects.filter(pk__in=handled_department_ids(user)).order_by("code").first()
    else:
        department = None

    context = {
        "months": _month_choices(months),
        "month": month,
        "ranking": selectors.month_ranking(month) if month else [],
        "departments": selectors.scored_departments(),
        "department": department,
        "history": selectors.department_history(department) if department else [],
    }
    return render(request, "supervision/scores/scores.html", context)


@require_safe
def rankings(request):
    months = selectors.scored_months()
    month = _chosen_month(request.GET.get("month"), months)
    context = {
        "months": _month_choices(months),
        "month": month,
        "ranking": selectors.public_ranking(month) if month else [],
    }
    return render(request, "supervision/scores/rankings.html", context)
