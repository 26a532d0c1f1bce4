"""The workbench's forms: the inbox's filters, and one form per transition a member of staff fires.

Each transition form carries the case's ``revision`` as the page showed it, so that a click on
a page another clerk has since acted on is refused by the service rather than acting twice.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.forms import StyledFormMixin

from ..constants import OPEN_STATES, STATUTORY_EXTENSION_DAYS
from ..models import Case

# What staff click; the context keeps these apart from the same English words used elsewhere.
ACTION_LABELS = {
    "accept": pgettext_lazy("case action", "Accept"),  # 受理
    "request_supplement": pgettext_lazy("case action", "Ask for missing materials"),  # 一次性告知补正
    "not_accept": pgettext_lazy("case action", "Do not accept"),  # 不予受理
    "advance": pgettext_lazy("case action", "Send to the next step"),  # 提交下一环节
    "send_back": pgettext_lazy("case action", "Send back"),  # 回退
    "return_to_applicant": pgettext_lazy("case action", "Return to the applicant"),  # 退件
    "suspend": pgettext_lazy("case action", "Suspend"),  # 挂起
    "resume": pgettext_lazy("case action", "Resume"),  # 恢复办理
    "extend": pgettext_lazy("case action", "Extend the time limit"),  # 延期
    "approve": pgettext_lazy("case action", "Approve"),  # 准予许可
    "deny": pgettext_lazy("case action", "Deny"),  # 不予许可
    "conclude": pgettext_lazy("case action", "Conclude"),  # 办结
}
# The trail also records what the applicant did.
TRAIL_ACTION_LABELS = {
    **ACTION_LABELS,
    "submit": pgettext_lazy("case action", "Submit"),  # 提交申请
    "resubmit": pgettext_lazy("case action", "Resubmit"),  # 补正后重新提交
    "withdraw": pgettext_lazy("case action", "Withdraw"),  # 撤回
    "recompute_deadline": pgettext_lazy("case action", "Recompute deadline"),  # 节假日变更，重算期限
}
# Actions that end or refuse something: shown in red.
GRAVE_ACTIONS = frozenset({"not_accept", "deny", "return_to_applicant"})
# The longest a special procedure may be announced for; a hearing or an expert review takes weeks.
MAX_SUSPENSION_DAYS = 365


class InboxFilterForm(StyledFormMixin, forms.Form):
    """The inbox's query string: a search and four filters."""

    q = forms.CharField(label=_("Case number, applicant or mobile"), max_length=50, required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    item = forms.ChoiceField(label=_("Item"), required=False)
    mine = forms.BooleanField(label=_("Mine to act on"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All states")), *((state.value, state.label) for state in OPEN_STATES)]
        self.fields["item"].choices = [("", _("All items")), *items]

    def filters(self) -> dict:
        """The valid part of the query: a value that does not validate is left out, not guessed at."""
        self.is_valid()
        empty = {name: False if isinstance(field, forms.BooleanField) else "" for name, field in self.fields.items()}
        return {name: self.cleaned_data.get(name) or empty[name] for name in self.fields}


class TransitionForm(StyledFormMixin, forms.Form):
    """An opinion (办理意见, written into the trail) and the revision of the page."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    opinion = forms.CharField(label=_("Opinion"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    opinion_label = None

    def __init__(self, case: Case, action: str, *args, **kwargs):
        self.case, self.action = case, action
        kwargs.setdefault("initial", {"revision": case.revision})
        # Every action's form is on one page: the ids must differ, the field names need not.
        kwargs.setdefault("auto_id", f"{action}-%s")
        super().__init__(*args, **kwargs)
        if self.opinion_label and "opinion" in self.fields:
            self.fields["opinion"].label = self.opinion_label

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]

    @property
    def grave(self) -> bool:
        return self.action in GRAVE_ACTIONS

    def service_kwargs(self) -> dict:
        """The arguments of the action's service (``workflow.services.cases.SERVICES``) besides case, user, address."""
        return {"opinion": self.cleaned_data["opinion"], "revision": self.cleaned_data["revision"]}


class SupplementRequestForm(TransitionForm):
    """一次性告知: every missing material at once, and what is wrong."""

    opinion_label = _("What is missing or wrong")
    materials = forms.ModelMultipleChoiceField(
        label=_("Missing materials"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, case: Case, action: str, *args, **kwargs):
        super().__init__(case, action, *args, **kwargs)
        self.fields["materials"].queryset = case.item.materials.order_by("position")

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "materials": list(self.cleaned_data["materials"])}


class RefusalForm(TransitionForm):
    """不予受理 / 不予许可: the reason and the legal basis, both told to the applicant."""

    opinion = None
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(
        label=_("Legal basis for the refusal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The law and article the refusal rests on."),
    )

    def service_kwargs(self) -> dict:
        return {
            "reason": self.cleaned_data["reason"],
            "legal_basis": self.cleaned_data["legal_basis"],
            "revision": self.cleaned_data["revision"],
        }


class SuspensionForm(TransitionForm):
    """挂起 (特别程序): why, and for about how many working days."""

    opinion_label = _("Reason (hearing, test, expert review…)")
    days = forms.IntegerField(label=_("Expected working days"), min_value=1, max_value=MAX_SUSPENSION_DAYS)

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "days": self.cleaned_data["days"]}


class ExtensionForm(SuspensionForm):
    """延期: once, within the item's extension days (by law ten); the applicant is told why."""

    opinion_label = _("Reason for the extension")

    def __init__(self, case: Case, action: str, *args, **kwargs):
        super().__init__(case, action, *args, **kwargs)
        limit = case.item.extension_days or STATUTORY_EXTENSION_DAYS
        self.fields["days"] = forms.IntegerField(
            label=_("Working days added"),
            min_value=1,
            max_value=limit,
            widget=forms.NumberInput(attrs={"class": "form-control"}),
        )


FORMS: dict[str, type[TransitionForm]] = {
    "request_supplement": SupplementRequestForm,
    "not_accept": RefusalForm,
    "deny": RefusalForm,
    "suspend": SuspensionForm,
    "extend": ExtensionForm,
}


def transition_form(case: Case, action: str, data=None) -> TransitionForm:
    """The form of ``action`` on ``case``: bound to ``data`` when given."""
    return FORMS.get(action, TransitionForm)(case, action, data)
