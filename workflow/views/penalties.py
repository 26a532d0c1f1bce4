"""Penalty cases: the officers' list, a new clue, a case's page with its steps, the decision document,
the inspectors' statistics (internal zone), and the public list of decisions (external zone).

As on the workbench, another department's case is absent (404), never forbidden; which steps a
user may take is the state machine's business, checked again by the services with the row locked.
"""

import logging
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portal.requests import client_address
from portal.roles import Role

from ..constants import PenaltyState
from ..forms.penalties import ACTION_LABELS, TRAIL_ACTION_LABELS, ClueForm, PenaltyStateFilter, StepForm, step_form
from ..selectors import penalties as selectors
from ..services.penalties import SERVICES, penalty_case_open
from .common import list_link, page_links, trail_rows

logger = logging.getLogger(__name__)

PAGE_SIZE = 50


def _paged(request, queryset, base: str, filters: dict) -> dict:
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return page_links(paginator, page, partial(list_link, base, filters))


def _staff_only(user) -> None:
    if not selectors.is_penalty_staff(user):
        raise PermissionDenied(_("Penalty cases are for law-enforcement officers, their heads and inspectors."))


@require_safe
@login_required
def case_list(request):
    _staff_only(request.user)
    form = PenaltyStateFilter(request.GET)
    state = form.state_value()
    context = {
        "form": form,
        "may_open": request.user.has_role(Role.LAW_ENFORCER),
        **_paged(
            request, selectors.penalty_cases(request.user, state=state), reverse("workflow:penalties"), {"state": state}
        ),
    }
    return render(request, "workflow/penalties/list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_new(request):
    if not request.user.has_role(Role.LAW_ENFORCER):
        raise PermissionDenied(_("Only the department's law-enforcement officers record clues."))
    form = ClueForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = penalty_case_open(user=request.user, client_address=client_address(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logger.info("penalty_case_opened case=%s by=%s", case.number, request.user.pk)
            messages.success(request, _("Clue recorded as case %(number)s.") % {"number": case.number})
            return redirect("workflow:penalty_case", number=case.number)
    return render(request, "workflow/penalties/new.html", {"form": form}, status=400 if form.errors else 200)


def _case_or_404(user, number: str):
    case = selectors.penalty_case(user, number)
    if case is None:
        raise Http404(_("No penalty case with this number is handled by your department."))
    return case


def _available_actions(case, user) -> list[str]:
    available = {transition.name for transition in case.get_available_user_state_transitions(user)}
    return [action for action in ACTION_LABELS if action in available]


def _render_case(request, case, *, bound: StepForm | None = None, status: int = 200):
    forms = [
        bound if bound is not None and bound.action == action else step_form(case, action)
        for action in _available_actions(case, request.user)
    ]
    context = {
        "case": case,
        "standards": selectors.penalty_standards(case.item),
        "proposal": selectors.penalty_proposal(case.item, case.level) if case.level else None,
        "cause_changes": case.cause_changes.select_related("old_item", "new_item", "changed_by"),
        "trail": trail_rows(case.trail.order_by("seq"), states=PenaltyState, actions=TRAIL_ACTION_LABELS),
        "forms": forms,
        "open_action": bound.action if bound is not None else None,
    }
    return render(request, "workflow/penalties/detail.html", context, status=status)


@require_safe
@login_required
def case_detail(request, number: str):
    return _render_case(request, _case_or_404(request.user, number))


@require_POST
@login_required
def transition(request, number: str, action: str):
    if action not in SERVICES:
        raise Http404(_("No such action."))
    case = _case_or_404(request.user, number)
    form = step_form(case, action, request.POST)
    if form.is_valid():
        try:
            # PermissionDenied passes through: Django answers 403.
            SERVICES[action](
                case=case, user=request.user, client_address=client_address(request), **form.service_kwargs()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            logger.info("penalty_%s case=%s by=%s", action, case.number, request.user.pk)
            messages.success(
                request,
                _("%(action)s: done. Case %(number)s is now “%(state)s”.")
                % {"action": form.label, "number": case.number, "state": case.get_state_display()},
            )
            return redirect("workflow:penalty_case", number=case.number)
    case.refresh_from_db()
    if action in _available_actions(case, request.user):
        return _render_case(request, case, bound=form, status=400)
    # The step is no longer on the page the user sees (the case moved on): say why above it.
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("workflow:penalty_case", number=case.number)


@require_safe
@login_required
def decision_document(request, number: str):
    case = _case_or_404(request.user, number)
    if not case.decision_document:
        raise Http404(_("No decision has been issued on this case."))
    response = FileResponse(
        case.decision_document.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{case.number}-{_('Administrative penalty decision')}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_required
def stats(request):
    """Where decided fines fall against the standards' ranges: inspectors all, heads their department."""
    if not request.user.has_role(Role.INSPECTOR, Role.DEPT_HEAD):
        raise PermissionDenied(_("The penalty statistics are for inspectors and department heads."))
    return render(
        request,
        "workflow/penalties/stats.html",
        {"rows": selectors.amount_distribution(request.user), "buckets": selectors.BUCKET_LABELS},
    )


@require_safe
def public_list(request):
    """行政处罚决定公开: decided cases, the party's personal data masked; no login."""
    paged = _paged(request, selectors.public_penalties(), reverse("workflow:public_penalties"), {})
    return render(request, "workflow/penalties/public_list.html", paged)
