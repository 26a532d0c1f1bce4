"""The clerk workbench (internal zone): the inbox, a case's file with its actions, the case's files.

A case another department handles is absent here (404), never forbidden: its number tells
nothing. Which actions a user may take is the state machine's business (``workflow.flows``);
the services check it again with the row locked, so a page that is out of date acts on nothing.
"""

import logging
from functools import partial

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST, require_safe

from portal.requests import client_address

from ..constants import CaseState
from ..forms.workbench import ACTION_LABELS, TRAIL_ACTION_LABELS, InboxFilterForm, TransitionForm, transition_form
from ..hooks import trail_links
from ..selectors import workbench as selectors
from ..services.cases import SERVICES
from ..uploads import ACCEPTED_TYPES
from .common import list_link, page_links, trail_rows

logger = logging.getLogger(__name__)

PAGE_SIZE = 50


# The inbox ------------------------------------------------------------------------------------


@require_safe
@login_required
def inbox(request):
    if not selectors.is_case_staff(request.user):
        return render(request, "workflow/workbench/not_staff.html", status=403)
    form = InboxFilterForm(request.GET, items=selectors.inbox_items(request.user))
    filters = form.filters()
    paginator = selectors.InboxPaginator(selectors.inbox(request.user, filters), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    # Links are built from the validated filters, not copied from the query string.
    link = partial(list_link, reverse("workflow:workbench"), filters)
    context = {
        "form": form,
        "filtered": any(filters.values()),
        "rows": selectors.inbox_rows(page.object_list),
        **page_links(paginator, page, link),
    }
    return render(request, "workflow/workbench/inbox.html", context)


# One case -------------------------------------------------------------------------------------


def _case_or_404(user, number: str):
    case = selectors.workbench_case(user, number)
    if case is None:
        raise Http404(_("No case with this number is handled by your department."))
    return case


def _available_actions(case, user) -> list[str]:
    """The actions ``user`` may take on ``case`` now, in the order of ``ACTION_LABELS`` (the usual one)."""
    available = {transition.name for transition in case.get_available_user_state_transitions(user)}
    return [action for action in ACTION_LABELS if action in available and action in SERVICES]


def _public_item_url(item) -> str | None:
    """The item's page in the public catalogue, where this zone serves it."""
    try:
        return reverse("powers:item", kwargs={"code": item.code})
    except NoReverseMatch:
        return None


def _trail(user, case) -> list[dict]:
    entries = list(case.trail.all())
    return trail_rows(entries, states=CaseState, actions=TRAIL_ACTION_LABELS, links=trail_links(user, case, entries))


def _render_case(request, case, *, bound: TransitionForm | None = None, status: int = 200):
    actions = _available_actions(case, request.user)
    forms = [
        bound if bound is not None and bound.action == action else transition_form(case, action) for action in actions
    ]
    context = {
        "case": case,
        "time_left": selectors.case_time_left(case),
        "public_item_url": _public_item_url(case.item),
        "attachments": [
            (attachment, attachment.content_type.startswith("image/"), attachment.content_type == "application/pdf")
            for attachment in case.attachments.all()
        ],
        "supplement_requests": case.supplement_requests.all(),
        "pauses": case.pauses.all(),
        "trail": _trail(request.user, case),
        "documents": case.documents.all(),
        "forms": forms,
        "open_action": bound.action if bound is not None else None,
    }
    return render(request, "workflow/workbench/case_detail.html", context, status=status)


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
    form = transition_form(case, action, request.POST)
    if not form.is_valid():
        if action not in _available_actions(case, request.user):
            # Not on the page the user sees: say what was wrong above it.
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("workflow:workbench_case", number=case.number)
        return _render_case(request, case, bound=form, status=400)
    try:
        # PermissionDenied passes through: Django answers 403.
        SERVICES[action](case=case, user=request.user, client_address=client_address(request), **form.service_kwargs())
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("workflow:workbench_case", number=case.number)
    logger.info("case_%s case=%s by=%s", action, case.number, request.user.pk)
    messages.success(
        request,
        _("%(action)s: done. Case %(number)s is now “%(state)s”.")
        % {"action": form.label, "number": case.number, "state": case.get_state_display()},
    )
    return redirect("workflow:workbench_case", number=case.number)


# Files ----------------------------------------------------------------------------------------


@require_safe
@login_required
@xframe_options_sameorigin  # the case page previews PDFs in a frame
@csp_replace({"frame-ancestors": [SELF]})
def attachment(request, number: str, attachment_id: int):
    case = _case_or_404(request.user, number)
    found = get_object_or_404(case.attachments.all(), pk=attachment_id)
    # Checked by content on upload; anything else is only ever downloaded, never shown.
    shown = found.content_type in ACCEPTED_TYPES
    response = FileResponse(
        found.file.open("rb"),
        content_type=found.content_type if shown else "application/octet-stream",
        as_attachment=not shown or "download" in request.GET,
        filename=found.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@login_required
def document(request, number: str, document_id: int):
    case = _case_or_404(request.user, number)
    found = get_object_or_404(case.documents.all(), pk=document_id)
    response = FileResponse(
        found.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"{case.number}-{found.get_kind_display()}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
