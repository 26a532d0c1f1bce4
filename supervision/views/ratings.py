"""Ratings (好差评). External zone: the applicant's rating page of their case, where they rate it once
concluded, give one follow-up rating, and read the return visit and rectification of a bad one.
Internal zone: the list (inspectors all, department heads their departments', bad ones first) and
a rating's page, where the head records the return visit and then the rectification.

Another citizen's case, and a rating outside the user's scope, are absent (404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from workflow.constants import CaseState
from workflow.selectors.citizen import applicant_cases

from ..constants import BAD_GRADES
from ..forms.ratings import RatingFilterForm, RatingForm, RectificationForm, ReturnVisitForm
from ..selectors import complaints as selectors
from ..services.ratings import is_bad, may_handle, rating_give, rating_rectify, rating_return_visit
from .complaints import GET_OR_POST, PAGE_SIZE, form_errors, list_link, not_staff, pagination

FIRST, FOLLOW_UP = "first", "follow_up"
BAD_GRADE_VALUES = [int(grade) for grade in BAD_GRADES]


def _next_rating(case, ratings) -> str | None:
    """Which rating the applicant may give now: the first, the follow-up, or none."""
    if case.state != CaseState.CONCLUDED or len(ratings) >= 2:
        return None
    return FOLLOW_UP if ratings else FIRST


# The applicant (external zone) --------------------------------------------------------------------


@login_required
@require_http_methods(GET_OR_POST)
def rate(request, number: str):
    case = get_object_or_404(applicant_cases(request.user), number=number)
    ratings = selectors.case_ratings(case)
    next_rating = _next_rating(case, ratings)
    form = RatingForm(request.POST if request.method == "POST" else None) if next_rating else None
    if request.method == "POST":
        if form is None:
            messages.error(
                request,
                _("Case %(number)s cannot be rated now.") % {"number": case.number}
                if case.state != CaseState.CONCLUDED
                else _("You have rated case %(number)s and given your follow-up rating.") % {"number": case.number},
            )
            return redirect("supervision:rate", number=case.number)
        if form.is_valid():
            try:
                rating = rating_give(
                    case=case, user=request.user, follow_up=next_rating == FOLLOW_UP, **form.cleaned_data
                )
            except ValidationError as error:
                form_errors(form, error)
            else:
                if is_bad(rating):
                    messages.warning(
                        request,
                        _(
                            "Thank you for your rating. The department will contact you about it, and you will read "
                            "here what it found and what it changed."
                        ),
                    )
                else:
                    messages.success(request, _("Thank you for your rating."))
                return redirect("supervision:rate", number=case.number)
    context = {
        "case": case,
        "ratings": ratings,
        "next_rating": next_rating,
        "form": form,
        "concluded": case.state == CaseState.CONCLUDED,
        "bad_grades": BAD_GRADE_VALUES,
    }
    return render(request, "supervision/ratings/rate.html", context)


# Staff (internal zone) ----------------------------------------------------------------------------


@login_required
@require_safe
def rating_list(request):
    if not selectors.is_supervision_staff(request.user):
        return not_staff(request)
    form = RatingFilterForm(request.GET)
    filters = form.filters()
    paginator = Paginator(selectors.rating_list(request.user, **filters), PAGE_SIZE)
    link = list_link(reverse("supervision:ratings"), {"bad": filters["bad_only"]})
    context = {
        "form": form,
        "filtered": filters["bad_only"],
        "bad_grades": BAD_GRADE_VALUES,
        **pagination(paginator, request.GET.get("page"), link),
    }
    return render(request, "supervision/ratings/list.html", context)


STEPS = {
    "return_visit": (ReturnVisitForm, rating_return_visit, gettext_lazy("The return visit has been recorded.")),
    "rectify": (RectificationForm, rating_rectify, gettext_lazy("The rectification has been recorded.")),
}


@login_required
@require_http_methods(GET_OR_POST)
def rating_detail(request, rating_id: int):
    rating = selectors.rating_for_staff(request.user, rating_id)
    if rating is None:
        raise Http404(_("No rating with this number is yours to see."))
    handles = may_handle(rating, request.user)
    forms = {
        "return_visit": ReturnVisitForm() if handles and rating.return_visit_at is None else None,
        "rectify": RectificationForm() if handles and rating.return_visit_at and rating.rectified_at is None else None,
    }
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in STEPS:
            return HttpResponseBadRequest(_("Unknown action."))
        form_class, service, done = STEPS[action]
        if not handles:
            raise PermissionDenied(_("Only the head of the rated department handles a dissatisfied rating."))
        forms[action] = form = form_class(request.POST)
        if form.is_valid():
            try:
                service(rating=rating, user=request.user, note=form.cleaned_data["note"])
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("supervision:rating", rating_id=rating.pk)
    context = {
        "rating": rating,
        "bad": is_bad(rating),
        "bad_grades": BAD_GRADE_VALUES,
        "return_visit_form": forms["return_visit"],
        "rectification_form": forms["rectify"],
    }
    return render(request, "supervision/ratings/detail.html", context)
