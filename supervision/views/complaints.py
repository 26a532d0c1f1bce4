"""Complaints (投诉). External zone: a citizen files one and follows theirs. Internal zone: the list
(inspectors all, department heads their departments'), an inspector's record of a complaint
received by phone or on site, and a complaint's page where the head answers and an inspector judges.

A complaint outside the user's scope is absent (404). Who may answer or judge is checked again
by the services, with the row locked.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from portal.roles import Role
from workflow.models import Case

from ..constants import ComplaintState
from ..forms.complaints import (
    ComplaintAnswerForm,
    ComplaintFilterForm,
    ComplaintForm,
    ComplaintJudgeForm,
    ComplaintRecordForm,
)
from ..selectors import complaints as selectors
from ..services import complaints as services

PAGE_SIZE = 50
CITIZEN_PAGE_SIZE = 20
GET_OR_POST = ["GET", "HEAD", "POST"]


def form_errors(form, error: ValidationError) -> None:
    """A service's refusal, shown on the form: beside its field when it names one the form has."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def pagination(paginator: Paginator, page_number, link) -> dict:
    """The context of powers/includes/pagination.html; ``link(page=n)`` builds a page's address."""
    page = paginator.get_page(page_number)
    return {
        "page_obj": page,
        "pages": [
            (number, link(page=number) if isinstance(number, int) else None)
            for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
        ],
        "previous_link": link(page=page.previous_page_number()) if page.has_previous() else None,
        "next_link": link(page=page.next_page_number()) if page.has_next() else None,
    }


def list_link(base: str, filters: dict):
    """Links of a filtered list, built from the validated filters, not copied from the query string."""

    def link(**changes) -> str:
        params = {**filters, "page": None, **changes}
        query = urlencode([(name, "1" if value is True else value) for name, value in params.items() if value])
        return f"{base}?{query}" if query else base

    return link


def not_staff(request):
    return render(request, "supervision/complaints/not_staff.html", status=403)


# The citizen (external zone) ----------------------------------------------------------------------


@login_required
@require_http_methods(GET_OR_POST)
def complaint_new(request):
    if not request.user.has_role(Role.CITIZEN):
        raise PermissionDenied(_("Only a citizen's account can file a complaint online."))
    form = ComplaintForm(
        request.POST if request.method == "POST" else None,
        cases=selectors.complaint_cases(request.user),
        initial=ComplaintForm.initial_for(request.user, request.GET.get("case", "")),
    )
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_file(complainant=request.user, **form.details())
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(
                request,
                _("Complaint %(number)s has been sent to %(department)s, which is to answer it by %(due)s.")
                % {
                    "number": complaint.number,
                    "department": complaint.department.name,
                    "due": timezone.localtime(complaint.due_at).strftime("%Y-%m-%d"),
                },
            )
            return redirect("supervision:my_complaints")
    return render(request, "supervision/complaints/new.html", {"form": form})


@login_required
@require_safe
def my_complaints(request):
    paginator = Paginator(selectors.complainant_complaints(request.user), CITIZEN_PAGE_SIZE)
    context = pagination(paginator, request.GET.get("page"), list_link(reverse("supervision:my_complaints"), {}))
    return render(request, "supervision/complaints/mine.html", context)


# Staff (internal zone) ----------------------------------------------------------------------------


@login_required
@require_safe
def complaint_list(request):
    if not selectors.is_supervision_staff(request.user):
        return not_staff(request)
    form = ComplaintFilterForm(request.GET)
    filters = form.filters()
    paginator = Paginator(selectors.complaint_list(request.user, **filters), PAGE_SIZE)
    link = list_link(reverse("supervision:complaints"), filters)
    context = {
        "form": form,
        "filtered": any(filters.values()),
        "may_record": request.user.has_role(Role.INSPECTOR),
        **pagination(paginator, request.GET.get("page"), link),
    }
    return render(request, "supervision/complaints/list.html", context)


@login_required
@require_http_methods(GET_OR_POST)
def complaint_record(request):
    if not request.user.has_role(Role.INSPECTOR):
        return not_staff(request)
    form = ComplaintRecordForm(
        request.POST if request.method == "POST" else None, cases=Case.objects.visible_to(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_record(recorder=request.user, **form.details())
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(
                request,
                _("Complaint %(number)s has been recorded and sent to %(department)s.")
                % {"number": complaint.number, "department": complaint.department.name},
            )
            return redirect("supervision:complaint", number=complaint.number)
    return render(request, "supervision/complaints/record.html", {"form": form})


def _refuse(request, complaint, action: str):
    """An answer or judgement the page did not offer: forbidden to this user, or too late or too early."""
    if action == "answer" and not request.user.has_role(Role.DEPT_HEAD):
        raise PermissionDenied(_("Only the head of the department complained about answers a complaint."))
    if action == "judge" and not request.user.has_role(Role.INSPECTOR):
        raise PermissionDenied(_("Only discipline inspectors judge complaints."))
    if action == "answer":
        message = _("Complaint %(number)s has been judged: its answer can no longer change.")
    elif complaint.state == ComplaintState.FILED:
        message = _("Complaint %(number)s has not been answered yet: judge it once the department has answered.")
    else:
        message = _("Complaint %(number)s has already been judged.")
    messages.error(request, message % {"number": complaint.number})
    return redirect("supervision:complaint", number=complaint.number)


@login_required
@require_http_methods(GET_OR_POST)
def complaint_detail(request, number: str):
    complaint = selectors.complaint_for_staff(request.user, number)
    if complaint is None:
        raise Http404(_("No complaint with this number is yours to see."))
    answer_form = (
        ComplaintAnswerForm(initial={"answer": complaint.answer})
        if services.may_answer(complaint, request.user)
        else None
    )
    judge_form = ComplaintJudgeForm() if services.may_judge(complaint, request.user) else None
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("answer", "judge") and (answer_form if action == "answer" else judge_form) is None:
            return _refuse(request, complaint, action)
        if action == "answer":
            answer_form = ComplaintAnswerForm(request.POST)
            if answer_form.is_valid():
                try:
                    services.complaint_answer(
                        complaint=complaint, user=request.user, answer=answer_form.cleaned_data["answer"]
                    )
                except ValidationError as error:
                    form_errors(answer_form, error)
                else:
                    messages.success(request, _("Your answer has been sent to the complainant."))
                    return redirect("supervision:complaint", number=complaint.number)
        elif action == "judge":
            judge_form = ComplaintJudgeForm(request.POST)
            if judge_form.is_valid():
                try:
                    services.complaint_judge(
                        complaint=complaint, user=request.user, upheld=judge_form.cleaned_data["upheld"]
                    )
                except ValidationError as error:
                    form_errors(judge_form, error)
                else:
                    messages.success(request, _("The judgement has been recorded."))
                    return redirect("supervision:complaint", number=complaint.number)
        else:
            return HttpResponseBadRequest(_("Unknown action."))
    context = {
        "complaint": complaint,
        "overdue": selectors.is_overdue(complaint),
        "answer_form": answer_form,
        "judge_form": judge_form,
    }
    return render(request, "supervision/complaints/detail.html", context)
