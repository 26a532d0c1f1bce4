"""The rating forms: the applicant's grade, and the department head's return visit and rectification."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import StyledFormMixin

from ..constants import Grade


class RatingForm(StyledFormMixin, forms.Form):
    grade = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=Grade.choices,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose one of the five grades.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. If you are dissatisfied, say why: the department will contact you."),
    )


class ReturnVisitForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Return visit"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("When and how the applicant was contacted, and what they said. The applicant reads it."),
    )


class RectificationForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Rectification"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the department has changed. The applicant reads it."),
    )


class RatingFilterForm(StyledFormMixin, forms.Form):
    bad = forms.BooleanField(label=_("Dissatisfied ratings only"), required=False)

    def filters(self) -> dict:
        return {"bad_only": self.cleaned_data["bad"] if self.is_valid() else False}
