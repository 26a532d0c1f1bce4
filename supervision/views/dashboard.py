"""The inspectors' dashboard (internal zone): open alerts, one alert with its actions, orders awaiting answers.

Inspectors see every alert; a department head their departments' (``Alert.objects.visible_to``);
anyone else is refused. An alert the user does not see is absent (404), never forbidden. Which
actions a user may take is the flow's business (``supervision.flows``); the services check it
again with the row locked, so a page that is out of date acts on nothing.
"""

from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ..constants import AlertState, Level, Subject
from ..flows import is_department_head
from ..forms.alerts import ACTION_LABELS, EVENT_LABELS, AlertActionForm, AlertFilterForm, alert_action_form
from ..selectors import dashboard as selectors
from ..services.alerts import SERVICES

ORDERS_PAGE_SIZE = 50


def _require_supervisor(user) -> None:
    if not selectors.may_supervise(user):
        raise PermissionDenied(_("Only discipline inspectors and department heads see the supervision pages."))


def _link(base: str, filters: dict, **changes) -> str:
    params = {**filters, "page": None, **changes}
    query = urlencode([(name, value) for name, value in params.items() if value])
    return f"{base}?{query}" if query else base


# The dashboard ----------------------------------------------------------------------------------


def _filter_form(request, choices: selectors.Choices) -> AlertFilterForm:
    return AlertFilterForm(request.GET, rules=choices.rule_options, departments=choices.departments)


def _live(request, choices: selectors.Choices, filters: dict, version: str) -> dict:
    """What the live part of the dashboard shows; htmx asks for it again every 30 seconds."""
    user = request.user
    counts = selectors.open_counts(user, choices, version=version)
    # Labels looked up once, not once a row: a page has fifty rows.
    levels = {Level.RED: _("Red"), Level.YELLOW: _("Yellow")}
    states = {value: str(label) for value, label in AlertState.choices}

    def prepare(alert) -> None:
        alert.level_label, alert.state_label = levels[alert.level], states[alert.state]

    page = selectors.alert_page(user, filters, request.GET.get("page"), count=counts.matching(filters), prepare=prepare)
    link = partial(_link, reverse("supervision:dashboard"), filters)
    paginator = page.paginator
    return {
        "page_obj": page,
        "counts": counts,
        "health": selectors.health(counts),
        "filtered": any(filters.values()),
        "dashboard_url": reverse("supervision:dashboard"),
        "refresh_url": _link(reverse("supervision:alert_list"), filters, page=page.number if page.number > 1 else None),
        "pages": [
            (number, link(page=number) if isinstance(number, int) else None)
            for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ],
        "previous_link": link(page=page.previous_page_number()) if page.has_previous() else None,
        "next_link": link(page=page.next_page_number()) if page.has_next() else None,
        "red": Level.RED,
        # The counts and the page's rows are the same for everyone with this scope until the next
        # alert event: their HTML is cached under these (see the templates' {% cache %} blocks).
        "fragment_key": f"{selectors.cache_scope(user)}:{choices.digest}:{version}",
        "fragment_seconds": selectors.CACHE_SECONDS,
    }


@require_safe
@login_required
def dashboard(request):
    _require_supervisor(request.user)
    choices, version = selectors.filter_choices(request.user), selectors.alerts_version()
    form = _filter_form(request, choices)
    trend = selectors.alert_trend(request.user)
    context = _live(request, choices, form.filters(), version) | {
        "form": form,
        "trend": trend | {"labels": {"red": Level.RED.label, "yellow": Level.YELLOW.label}},
    }
    return render(request, "supervision/dashboard/dashboard.html", context)


@require_safe
@login_required
def alert_list(request):
    """The live part alone, for htmx; a browser that opens it is sent to the whole dashboard."""
    _require_supervisor(request.user)
    if not request.htmx:
        query = request.GET.urlencode()
        return redirect(f"{reverse('supervision:dashboard')}{'?' + query if query else ''}")
    choices, version = selectors.filter_choices(request.user), selectors.alerts_version()
    context = _live(request, choices, _filter_form(request, choices).filters(), version)
    return render(request, "supervision/dashboard/live.html", context)


# One alert --------------------------------------------------------------------------------------


def _alert_or_404(user, alert_id: int):
    alert = selectors.visible_alert(user, alert_id)
    if alert is None:
        raise Http404(_("No such alert is visible to you."))
    return alert


def _available_actions(alert, user) -> list[str]:
    """The actions ``user`` may take on ``alert`` now, in the order of ``ACTION_LABELS``."""
    available = {transition.name for transition in alert.get_available_user_state_transitions(user)}
    return [action for action in ACTION_LABELS if action in available and action in SERVICES]


def _case_url(alert) -> str | None:
    """The case's page where this zone serves it: each alert opens on its case's trail. A penalty
    case's alert carries the case's number as its detail (supervision.rules.penalties)."""
    try:
        if alert.case_id:
            return reverse("workflow:workbench_case", kwargs={"number": alert.case.number})
        if alert.subject == Subject.PENALTY_CASE and alert.detail:
            return reverse("workflow:penalty_case", kwargs={"number": alert.detail})
    except NoReverseMatch:
        pass
    return None


def _state_label(value: str) -> str:
    return AlertState(value).label if value in AlertState.values else value


def _event_rows(alert) -> list[dict]:
    return [
        {
            "event": event,
            "action": EVENT_LABELS.get(event.action, event.action),
            "from_state": _state_label(event.from_state) if event.from_state else "",
            "to_state": _state_label(event.to_state) if event.to_state else "",
        }
        for event in selectors.alert_events(alert)
    ]


def _render_alert(request, alert, *, bound: AlertActionForm | None = None, status: int = 200):
    actions = _available_actions(alert, request.user)
    forms = [bound if bound is not None and bound.action == action else alert_action_form(action) for action in actions]
    orders = selectors.alert_orders(alert)
    open_action = bound.action if bound is not None else request.GET.get("action")
    context = {
        "alert": alert,
        "case_url": _case_url(alert),
        "events": _event_rows(alert),
        "orders": orders,
        "open_order": next((order for order in reversed(orders) if order.answered_at is None), None),
        "forms": forms,
        "open_action": open_action if open_action in actions else None,
        "today": timezone.localdate(),
        "red": Level.RED,
    }
    return render(request, "supervision/dashboard/alert_detail.html", context, status=status)


@require_safe
@login_required
def alert_detail(request, alert_id: int):
    _require_supervisor(request.user)
    return _render_alert(request, _alert_or_404(request.user, alert_id))


@require_POST
@login_required
def alert_action(request, alert_id: int, action: str):
    if action not in SERVICES:
        raise Http404(_("No such action."))
    _require_supervisor(request.user)
    alert = _alert_or_404(request.user, alert_id)
    form = alert_action_form(action, request.POST)
    if not form.is_valid():
        if action not in _available_actions(alert, request.user):
            # Not on the page the user sees: say what was wrong above it.
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("supervision:alert", alert_id=alert.pk)
        return _render_alert(request, alert, bound=form, status=400)
    try:
        # PermissionDenied passes through: Django answers 403.
        SERVICES[action](alert=alert, user=request.user, **form.service_kwargs())
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("supervision:alert", alert_id=alert.pk)
    messages.success(
        request,
        _("%(action)s: done. Alert %(id)s is now “%(state)s”.")
        % {"action": form.label, "id": alert.pk, "state": alert.get_state_display()},
    )
    return redirect("supervision:alert", alert_id=alert.pk)


# Supervision orders ---------------------------------------------------------------------------


@require_safe
@login_required
def orders(request):
    """The orders awaiting an answer: a head's departments' (all of them, for inspectors), soonest due first."""
    _require_supervisor(request.user)
    paginator = Paginator(selectors.orders_awaiting_answer(request.user), ORDERS_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "page_obj": page,
        "rows": [
            {
                "order": order,
                "overdue": order.due_date < today,
                "may_answer": is_department_head(order.alert, request.user),
            }
            for order in page.object_list
        ],
        "pages": [
            (number, f"?page={number}" if isinstance(number, int) else None)
            for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ],
        "previous_link": f"?page={page.previous_page_number()}" if page.has_previous() else None,
        "next_link": f"?page={page.next_page_number()}" if page.has_next() else None,
    }
    return render(request, "supervision/dashboard/orders.html", context)
