"""The dashboard's filters, and one form per action on an alert (each feeding its service)."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.forms import StyledFormMixin

from ..constants import OPEN_ALERT_STATES, Level

# What inspectors and heads click; the context keeps them apart from the case actions' words.
ACTION_LABELS = {
    "acknowledge": pgettext_lazy("alert action", "Acknowledge"),  # 签收
    "order": pgettext_lazy("alert action", "Issue a supervision order"),  # 下发督办单
    "answer": pgettext_lazy("alert action", "Answer the supervision order"),  # 督办回复
    "escalate": pgettext_lazy("alert action", "Escalate"),  # 升级督办
    "close": pgettext_lazy("alert action", "Close"),  # 办结销号
}
# The alert's trail also shows what the sweep did.
EVENT_LABELS = {
    **ACTION_LABELS,
    "raise": pgettext_lazy("alert event", "Raised by the sweep"),
    "turn_red": pgettext_lazy("alert event", "Turned red"),
    "clear": pgettext_lazy("alert event", "Condition cleared, closed by the sweep"),
}
GRAVE_ACTIONS = frozenset({"escalate"})
# A supervision order is answered within this many days unless the inspector says otherwise.
DEFAULT_ORDER_DAYS = 5
MAX_ORDER_DAYS = 90
MAX_TEXT = 2000


class AlertFilterForm(StyledFormMixin, forms.Form):
    """The dashboard's query string: four filters over the open alerts."""

    level = forms.ChoiceField(label=_("Level"), required=False)
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args, rules=(), departments=(), **kwargs):
        """``rules`` and ``departments``: (id, label) pairs of what this user may filter by."""
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", _("Red and yellow")), *Level.choices]
        self.fields["rule"].choices = [("", _("All rules")), *((str(pk), label) for pk, label in rules)]
        self.fields["department"].choices = [
            ("", _("All departments")),
            *((str(pk), label) for pk, label in departments),
        ]
        self.fields["state"].choices = [("", _("All open states")), *((s.value, s.label) for s in OPEN_ALERT_STATES)]

    def filters(self) -> dict:
        """The valid part of the query: a value that does not validate is left out, not guessed at."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}

    def selects(self) -> list[tuple[forms.BoundField, str]]:
        """Each filter with its options as HTML, written here rather than by the widget's templates:
        a select of sixty departments would cost sixty template renders on every refresh."""
        filters = self.filters()
        selected = mark_safe(" selected")  # a constant

        def options(name, field):
            current = str(filters[name])
            rows = ((value, selected if str(value) == current else "", label) for value, label in field.choices)
            return format_html_join("", '<option value="{}"{}>{}</option>', rows)

        return [(self[name], options(name, field)) for name, field in self.fields.items()]


class AlertActionForm(StyledFormMixin, forms.Form):
    """The text every action writes into the alert's trail; subclasses name it and add fields."""

    action = ""
    text_field = "note"

    def __init__(self, *args, **kwargs):
        # Every action's form is on one page: the ids must differ, the field names need not.
        kwargs.setdefault("auto_id", f"{self.action}-%s")
        super().__init__(*args, **kwargs)

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]

    @property
    def grave(self) -> bool:
        return self.action in GRAVE_ACTIONS

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


def _text(label, help_text=""):
    return forms.CharField(
        label=label, max_length=MAX_TEXT, help_text=help_text, widget=forms.Textarea(attrs={"rows": 3})
    )


class AcknowledgeForm(AlertActionForm):
    action = "acknowledge"
    note = _text(_("Note"), _("What you are looking into."))


class OrderForm(AlertActionForm):
    action = "order"
    text_field = "instructions"
    instructions = _text(_("Instructions"), _("What the department must explain or rectify."))
    due_date = forms.DateField(
        label=_("Answer due by"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["due_date"].initial = today + timedelta(days=DEFAULT_ORDER_DAYS)
        self.fields["due_date"].widget.attrs.update(
            {
                "min": (today + timedelta(days=1)).isoformat(),
                "max": (today + timedelta(days=MAX_ORDER_DAYS)).isoformat(),
            }
        )

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        today = timezone.localdate()
        if due <= today:
            raise forms.ValidationError(_("The answer's due date must be a day after today."))
        if due > today + timedelta(days=MAX_ORDER_DAYS):
            raise forms.ValidationError(
                _("The answer's due date can be at most %(days)d days ahead.") % {"days": MAX_ORDER_DAYS}
            )
        return due


class AnswerForm(AlertActionForm):
    action = "answer"
    text_field = "answer"
    answer = _text(_("Answer"), _("The department's explanation, or the rectification made."))


class EscalateForm(AlertActionForm):
    action = "escalate"
    text_field = "reason"
    reason = _text(_("Reason"), _("Why the matter goes up: the answer does not satisfy, or it is serious."))


class CloseForm(AlertActionForm):
    action = "close"
    text_field = "conclusion"
    conclusion = _text(_("Conclusion"), _("Satisfied with the answer, or the alert was unfounded, and why."))


ACTION_FORMS: dict[str, type[AlertActionForm]] = {
    form.action: form for form in (AcknowledgeForm, OrderForm, AnswerForm, EscalateForm, CloseForm)
}


def alert_action_form(action: str, data=None) -> AlertActionForm:
    return ACTION_FORMS[action](data)
