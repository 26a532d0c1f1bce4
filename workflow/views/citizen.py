"""The citizen's side of a case (external zone): apply, follow, supplement, withdraw, download, track."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_fsm import can_proceed, has_transition_perm
from django_ratelimit.decorators import ratelimit

from portal.requests import client_address
from portal.roles import Role
from powers.constants import NOT_APPLIED_FOR
from powers.public_selectors import public_item

from ..constants import INTAKE_WORKING_DAYS, CaseState
from ..forms.citizen import ApplicationForm, SupplementForm, TrackForm, VerifyForm, WithdrawForm
from ..selectors import citizen as selectors
from ..selectors.deadlines import with_deadline_notes
from ..services.cases import case_file, case_resubmit, case_withdraw
from ..services.notifications import notifications_mark_read

PAGE_SIZE = 20


# Filing -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request, code: str):
    if not request.user.has_role(Role.CITIZEN):
        raise PermissionDenied(_("Only a citizen's account can file applications."))
    item = public_item(code)
    if item is None or item.category in NOT_APPLIED_FOR:
        raise Http404(_("This item cannot be applied for online."))
    materials = list(item.materials.all())
    form = ApplicationForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        materials=materials,
        initial=ApplicationForm.initial_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            case = case_file(
                applicant=request.user,
                item=item,
                **form.details(),
                uploads=form.uploads(),
                client_address=client_address(request),
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            # The confirmation page is the success message: no banner repeating it.
            return redirect("workflow:apply_done", number=case.number)
    context = {
        "item": item,
        "materials": materials,
        "steps": list(item.steps.all()),
        "form": form,
        "upload_limit": settings.UPLOAD_MAX_BYTES,
    }
    return render(request, "workflow/citizen/apply.html", context)


@login_required
@require_safe
def apply_done(request, number: str):
    case = get_object_or_404(selectors.applicant_cases(request.user), number=number)
    context = {"case": case, "intake_days": INTAKE_WORKING_DAYS}
    return render(request, "workflow/citizen/apply_done.html", context)


# Following one's cases -------------------------------------------------------------------------------


@login_required
@require_safe
def my_cases(request):
    paginator = Paginator(selectors.applicant_cases_with_unread(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "rows": with_deadline_notes(page.object_list),
        "pages": [
            (number, f"?page={number}" if isinstance(number, int) else None)
            for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ],
        "previous_link": f"?page={page.previous_page_number()}" if page.has_previous() else None,
        "next_link": f"?page={page.next_page_number()}" if page.has_next() else None,
        "notifications": selectors.latest_notifications(request.user),
        "unread": selectors.unread_notification_count(request.user),
    }
    return render(request, "workflow/citizen/my_cases.html", context)


def _applicant_case(request, number: str):
    """The user's own case, or 404: another citizen's case does not exist for them."""
    return get_object_or_404(selectors.applicant_cases(request.user), number=number)


def _supplement_form(case, supplement_request, data=None, files=None) -> SupplementForm | None:
    """The form answering the open supplement request, or correcting a returned case; None otherwise."""
    if not can_proceed(case.resubmit):
        return None
    asked_for = list(supplement_request.materials.all()) if supplement_request is not None else []
    if asked_for:
        materials, all_required = asked_for, True
    else:
        materials, all_required = list(case.item.materials.all()), False
    return SupplementForm(
        data, files, materials=materials, all_required=all_required, initial={"revision": case.revision}
    )


def _withdraw_form(case, user, data=None) -> WithdrawForm | None:
    if not (can_proceed(case.withdraw) and has_transition_perm(case.withdraw, user)):
        return None
    return WithdrawForm(data, initial={"revision": case.revision})


def _case_page(request, case, *, supplement_form=None, withdraw_form=None):
    notifications = selectors.case_notifications(request.user, case)
    notifications_mark_read(user=request.user, case=case)
    supplement_request = selectors.open_supplement_request(case)
    if supplement_form is None:
        supplement_form = _supplement_form(case, supplement_request)
    if withdraw_form is None:
        withdraw_form = _withdraw_form(case, request.user)
    context = {
        "case": case,
        "timeline": selectors.case_timeline(case, private=True),
        "supplement_request": supplement_request,
        "supplement_form": supplement_form,
        "withdraw_form": withdraw_form,
        "attachments": list(case.attachments.select_related("material")),
        "documents": list(case.documents.all()),
        "notifications": notifications,
        "refused": case.state in (CaseState.DENIED, CaseState.NOT_ACCEPTED) or bool(case.refusal_reason),
    }
    return render(request, "workflow/citizen/my_case.html", context)


@login_required
@require_safe
def my_case(request, number: str):
    return _case_page(request, _applicant_case(request, number))


def _report(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_POST
def supplement(request, number: str):
    """Hand in what a supplement request asked for (or correct a returned case): back to the department."""
    case = _applicant_case(request, number)
    form = _supplement_form(case, selectors.open_supplement_request(case), request.POST, request.FILES)
    if form is None:
        messages.error(
            request,
            _("Case %(number)s is “%(state)s”: nothing is to be handed in now.")
            % {"number": case.number, "state": case.get_state_display()},
        )
        return redirect("workflow:my_case", number=case.number)
    if not form.is_valid():
        return _case_page(request, case, supplement_form=form)
    try:
        case_resubmit(
            case=case,
            user=request.user,
            uploads=form.uploads(),
            opinion=form.cleaned_data["note"],
            revision=form.cleaned_data["revision"],
            client_address=client_address(request),
        )
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Your materials have been handed in; the department will look at them again."))
    return redirect("workflow:my_case", number=case.number)


@login_required
@require_POST
def withdraw(request, number: str):
    case = _applicant_case(request, number)
    form = _withdraw_form(case, request.user, request.POST)
    if form is None:
        messages.error(
            request,
            _("Case %(number)s is “%(state)s”: it can no longer be withdrawn.")
            % {"number": case.number, "state": case.get_state_display()},
        )
        return redirect("workflow:my_case", number=case.number)
    if not form.is_valid():
        return _case_page(request, case, withdraw_form=form)
    try:
        case_withdraw(
            case=case,
            user=request.user,
            opinion=form.cleaned_data["reason"],
            revision=form.cleaned_data["revision"],
            client_address=client_address(request),
        )
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("Application %(number)s has been withdrawn.") % {"number": case.number})
    return redirect("workflow:my_case", number=case.number)


@login_required
@require_safe
def document(request, number: str, document_id: int):
    case = _applicant_case(request, number)
    issued = get_object_or_404(case.documents, pk=document_id)
    return FileResponse(
        issued.file.open("rb"),
        as_attachment=True,
        filename=f"{case.number}-{issued.get_kind_display()}.pdf",
        content_type="application/pdf",
    )


# Tracking without an account ---------------------------------------------------------------------------


def _is_lookup(request) -> bool:
    return request.method == "POST" or "number" in request.GET or "code" in request.GET


def _track_rate(group, request) -> str | None:
    """Lookups count against the visitor's address; the empty form does not."""
    return settings.TRACK_RATE if _is_lookup(request) else None


def track_rate_limited(request, exception):
    """Too many lookups from one address (settings.RATELIMIT_VIEW): a 429 page, not a bare 403."""
    return render(request, "workflow/citizen/track_limited.html", status=429)


# A found case's timeline is personal, although nobody signed in to see it.
@cache_control(private=True, no_store=True)
@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(key="ip", rate=_track_rate, block=True)
def track(request):
    data = request.POST if request.method == "POST" else request.GET if _is_lookup(request) else None
    form = TrackForm(data)
    timeline = None
    if data is not None and form.is_valid():
        case = selectors.tracked_case(form.cleaned_data["number"], form.cleaned_data["code"])
        if case is None:
            form.add_error(None, _("There is no case with this number and query code. Check both and try again."))
        else:
            timeline = selectors.case_timeline(case, private=False)
    return render(request, "workflow/citizen/track.html", {"form": form, "timeline": timeline})


@require_http_methods(["GET", "HEAD", "POST"])
@ratelimit(key="ip", rate=_track_rate, block=True)
def track_verify(request):
    """Is this a document the portal issued? Said by its digest, with the case number masked."""
    posted = request.method == "POST"
    form = VerifyForm(request.POST if posted else None, request.FILES if posted else None)
    checked = found = None
    if posted and form.is_valid():
        checked = form.cleaned_data["digest"]
        found = selectors.issued_document(checked)
    context = {"form": form, "checked": checked, "found": found}
    return render(request, "workflow/citizen/track_verify.html", context)
