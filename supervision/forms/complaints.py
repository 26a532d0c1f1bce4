"""The complaint forms: a citizen's, an inspector's record of one received by phone or on site,
the department head's answer, the inspector's judgement and the staff list's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import StyledFormMixin
from portal.models import Department
from portal.validators import validate_mobile
from workflow.models import Case

from ..constants import ComplaintAbout, ComplaintSource, ComplaintState
from ..services.complaints import STAFF_SOURCES

CONTENT_MAX_LENGTH = 2000


class _ComplaintFields(StyledFormMixin, forms.Form):
    """What every complaint says: who complains, what about, and what happened."""

    about = forms.ChoiceField(label=_("The complaint is about"), choices=ComplaintAbout.choices)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("code"),
        required=False,
        help_text=_("For a complaint about a department or one of its windows."),
    )
    window = forms.CharField(
        label=_("Window"),
        max_length=20,
        required=False,
        help_text=_("For a complaint about a service window: its number, such as 3 or 3号窗口."),
    )
    content = forms.CharField(
        label=_("What happened"),
        max_length=CONTENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("When and where it happened, who was involved, and what you would like done."),
    )
    complainant_name = forms.CharField(label=_("Complainant's name"), max_length=100)
    complainant_mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=11,
        validators=[validate_mobile],
        help_text=_("The department may call this number about the complaint."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )

    def clean_complainant_name(self):
        return self.cleaned_data["complainant_name"].strip()

    def clean_content(self):
        content = self.cleaned_data["content"].strip()
        if not content:
            raise forms.ValidationError(_("Say what happened."))
        return content

    def clean(self):
        cleaned = super().clean()
        about = cleaned.get("about")
        if about in (ComplaintAbout.DEPARTMENT, ComplaintAbout.WINDOW) and not cleaned.get("department"):
            self.add_error("department", _("Choose the department the complaint is about."))
        if about == ComplaintAbout.WINDOW and not (cleaned.get("window") or "").strip():
            self.add_error("window", _("Give the window number, such as 3 or 3号窗口."))
        return cleaned

    def _target(self, case) -> dict:
        """The case, department and window for the services; only what ``about`` names is kept."""
        about = self.cleaned_data["about"]
        return {
            "about": about,
            "case": case if about == ComplaintAbout.CASE else None,
            "department": self.cleaned_data["department"] if about != ComplaintAbout.CASE else None,
            "window": self.cleaned_data["window"].strip() if about == ComplaintAbout.WINDOW else "",
        }


class ComplaintForm(_ComplaintFields):
    """A citizen's complaint: about one of their own cases, a department or a window."""

    field_order = ["about", "case", "department", "window", "content", "complainant_name", "complainant_mobile"]

    case = forms.ModelChoiceField(
        label=_("Case"),
        queryset=Case.objects.none(),
        to_field_name="number",
        required=False,
        help_text=_("For a complaint about one of your cases; it goes to the department handling it."),
    )

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        self.fields["case"].label_from_instance = lambda case: f"{case.number} · {case.item.name}"

    @staticmethod
    def initial_for(user, case_number: str = "") -> dict:
        initial = {"complainant_name": user.name, "complainant_mobile": user.mobile}
        if case_number:
            initial |= {"about": ComplaintAbout.CASE, "case": case_number}
        return initial

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("about") == ComplaintAbout.CASE and not cleaned.get("case"):
            if not self.has_error("case"):
                self.add_error("case", _("Choose the case the complaint is about."))
        return cleaned

    def details(self) -> dict:
        return self._target(self.cleaned_data.get("case")) | {
            "content": self.cleaned_data["content"],
            "complainant_name": self.cleaned_data["complainant_name"],
            "complainant_mobile": self.cleaned_data["complainant_mobile"],
        }


class ComplaintRecordForm(_ComplaintFields):
    """An inspector's record of a complaint received by phone or on site; a case is named by its number."""

    field_order = [
        "source",
        "complainant_name",
        "complainant_mobile",
        "about",
        "case_number",
        "department",
        "window",
        "content",
    ]

    source = forms.ChoiceField(
        label=_("Received"),
        choices=[(value, label) for value, label in ComplaintSource.choices if value in STAFF_SOURCES],
    )
    case_number = forms.CharField(
        label=_("Case number"),
        max_length=20,
        required=False,
        help_text=_("For a complaint about a case, such as SP-20261122-000123."),
    )

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = cases
        self.case = None

    def clean_case_number(self):
        return self.cleaned_data["case_number"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("about") == ComplaintAbout.CASE and not self.has_error("case_number"):
            number = cleaned.get("case_number")
            if not number:
                self.add_error("case_number", _("Give the number of the case the complaint is about."))
            else:
                self.case = self.cases.filter(number=number).select_related("department").first()
                if self.case is None:
                    self.add_error("case_number", _("There is no case with this number."))
        return cleaned

    def details(self) -> dict:
        return self._target(self.case) | {
            "source": self.cleaned_data["source"],
            "content": self.cleaned_data["content"],
            "complainant_name": self.cleaned_data["complainant_name"],
            "complainant_mobile": self.cleaned_data["complainant_mobile"],
        }


class ComplaintAnswerForm(StyledFormMixin, forms.Form):
    answer = forms.CharField(
        label=_("Answer to the complainant"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The complainant reads it: what was found and what the department has done."),
    )


class ComplaintJudgeForm(StyledFormMixin, forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Judgement"),
        choices=[("1", _("Upheld (the complaint is founded)")), ("0", _("Not upheld"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


class ComplaintFilterForm(StyledFormMixin, forms.Form):
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("All states")), *ComplaintState.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Unanswered past the due time"), required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {"state": "", "overdue": False}
        return {"state": self.cleaned_data["state"], "overdue": self.cleaned_data["overdue"]}
