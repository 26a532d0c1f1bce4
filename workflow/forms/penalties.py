"""Forms of penalty cases: recording a clue, and one form per step an officer or head takes.

The step forms are the workbench's transition forms (an opinion and the page's revision) with the
penalty flow's labels, and the fields each step's service needs.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.forms import StyledFormMixin
from portal.selectors import handled_department_ids
from portal.validators import ID_NUMBER_RE, validate_id_number, validate_mobile

from ..constants import PenaltyState
from ..documents import yuan
from ..models import PenaltyCase
from ..selectors.penalties import penalty_items, penalty_standards
from .workbench import TransitionForm

ACTION_LABELS = {
    "register": pgettext_lazy("penalty action", "Register the case"),  # 立案
    "not_register": pgettext_lazy("penalty action", "Do not register"),  # 不予立案
    "investigate": pgettext_lazy("penalty action", "Start the investigation"),  # 调查取证
    "change_cause": pgettext_lazy("penalty action", "Change the cause"),  # 变更案由
    "inform": pgettext_lazy("penalty action", "Inform the party"),  # 告知
    "request_hearing": pgettext_lazy("penalty action", "Hold a hearing"),  # 听证
    "submit_review": pgettext_lazy("penalty action", "Submit for legal review"),  # 提请法制审核
    "pass_review": pgettext_lazy("penalty action", "Pass the legal review"),  # 法制审核通过
    "return_review": pgettext_lazy("penalty action", "Return with the review opinion"),  # 法制审核退回
    "decide": pgettext_lazy("penalty action", "Decide"),  # 作出处罚决定
    "execute": pgettext_lazy("penalty action", "Record the execution"),  # 执行
    "close": pgettext_lazy("penalty action", "Close the case"),  # 结案
    "revoke": pgettext_lazy("penalty action", "Revoke the registration"),  # 撤销立案
}
TRAIL_ACTION_LABELS = {**ACTION_LABELS, "receive": pgettext_lazy("penalty action", "Record the clue")}  # 登记线索
# Steps that end a case or that the monitoring rules report: shown in red.
GRAVE_ACTIONS = frozenset({"not_register", "change_cause", "return_review", "revoke"})
# A unified social credit code (统一社会信用代码) of an organisation: 18 characters, no I, O, S, V, Z.
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def _multiline(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ClueForm(StyledFormMixin, forms.Form):
    """登记线索: the penalty item it falls under, the party, and the clue."""

    item = forms.ModelChoiceField(label=_("Cause (penalty item)"), queryset=None)
    party_name = forms.CharField(label=_("Party"), max_length=100)
    party_id_number = forms.CharField(
        label=_("Identity card or credit code"),
        max_length=18,
        help_text=_("A person's identity card number, or an organisation's unified social credit code."),
    )
    party_mobile = forms.CharField(
        label=_("Mobile number"), max_length=11, required=False, validators=[validate_mobile]
    )
    party_address = forms.CharField(label=_("Address"), max_length=200, required=False)
    clue = forms.CharField(label=_("Clue"), max_length=4000, widget=_multiline(4))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = penalty_items(handled_department_ids(user))
        self.fields["item"].label_from_instance = lambda item: f"{item.code} {item.name}"

    def clean_party_id_number(self) -> str:
        value = self.cleaned_data["party_id_number"].strip().upper()
        if ID_NUMBER_RE.match(value):
            validate_id_number(value)
        elif not CREDIT_CODE_RE.match(value):
            raise ValidationError(
                _("Enter an 18-character identity card number or unified social credit code."), code="invalid"
            )
        return value


class PenaltyStateFilter(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *PenaltyState.choices])

    def state_value(self) -> str:
        return self.cleaned_data.get("state", "") if self.is_valid() else ""


class StepForm(TransitionForm):
    """An opinion (into the trail) and the page's revision, labelled for the penalty flow."""

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]

    @property
    def grave(self) -> bool:
        return self.action in GRAVE_ACTIONS


class ReasonForm(StepForm):
    """不予立案 / 撤销立案: the reason, which is the trail's opinion."""

    opinion = None
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=_multiline())

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"], "revision": self.cleaned_data["revision"]}


class CauseChangeForm(ReasonForm):
    """变更案由: another penalty item of the department, and why."""

    item = forms.ModelChoiceField(label=_("New cause"), queryset=None)

    def __init__(self, case: PenaltyCase, action: str, *args, **kwargs):
        super().__init__(case, action, *args, **kwargs)
        self.fields["item"].queryset = penalty_items([case.department_id]).exclude(pk=case.item_id)
        self.fields["item"].label_from_instance = lambda item: f"{item.code} {item.name}"
        self.order_fields(["item", "reason"])

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "item": self.cleaned_data["item"]}


def _amount_field(label) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, max_digits=14, decimal_places=2)


def _justification_field() -> forms.CharField:
    return forms.CharField(
        label=_("Justification"),
        max_length=4000,
        required=False,
        widget=_multiline(2),
        help_text=_("Required only for a fine outside the range of the standard applied."),
    )


class InformForm(StepForm):
    """告知: the facts, the circumstances (a level of the item's standard) and the proposed fine."""

    opinion_label = _("What the party was told (rights to a statement and a hearing)")
    facts = forms.CharField(label=_("Facts found"), max_length=8000, widget=_multiline(4))
    level = forms.ChoiceField(label=_("Circumstances"))
    proposed_amount = _amount_field(_("Proposed fine (yuan)"))
    justification = _justification_field()

    def __init__(self, case: PenaltyCase, action: str, *args, **kwargs):
        super().__init__(case, action, *args, **kwargs)
        self.fields["level"].choices = [
            (
                standard.level,
                f"{standard.get_level_display()}：{standard.circumstances}"
                f"（{yuan(standard.amount_min)}–{yuan(standard.amount_max)}）",
            )
            for standard in penalty_standards(case.item)
        ]
        self.order_fields(["facts", "level", "proposed_amount", "justification", "opinion"])

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            **super().service_kwargs(),
            "facts": data["facts"],
            "level": data["level"],
            "proposed_amount": data["proposed_amount"],
            "justification": data["justification"],
        }


class ReviewForm(StepForm):
    """法制审核: the reviewer's opinion on the facts, the evidence, the law and the discretion."""

    opinion_label = _("Review opinion")


class DecideForm(StepForm):
    """处罚决定: the fine (the proposed one to start with) and the decision."""

    opinion = None
    amount = _amount_field(_("Fine (yuan)"))
    justification = _justification_field()
    decision = forms.CharField(label=_("Decision"), max_length=4000, widget=_multiline())

    def __init__(self, case: PenaltyCase, action: str, *args, **kwargs):
        super().__init__(case, action, *args, **kwargs)
        self.fields["amount"].initial = case.proposed_amount

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "amount": data["amount"],
            "justification": data["justification"],
            "decision": data["decision"],
            "revision": data["revision"],
        }


FORMS: dict[str, type[StepForm]] = {
    "not_register": ReasonForm,
    "revoke": ReasonForm,
    "change_cause": CauseChangeForm,
    "inform": InformForm,
    "pass_review": ReviewForm,
    "return_review": ReviewForm,
    "decide": DecideForm,
}


def step_form(case: PenaltyCase, action: str, data=None) -> StepForm:
    """The form of ``action`` on ``case``: bound to ``data`` when given."""
    return FORMS.get(action, StepForm)(case, action, data)
