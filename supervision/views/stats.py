"""Case statistics (internal): inspectors read every department's, a department head their own;
the same figures, with the same filters, export to CSV (UTF-8 with a BOM, for Excel) and XLSX."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from portal.exports import CONTENT_TYPES, Sheet, table_bytes
from portal.models import Department

from ..selectors import stats as selectors

SHEET = Sheet(title="办件统计", widths=[8, 24, 40, 24, 10, 10, 10, 14, 16, 20])
# The page lists the busiest items; the export has them all.
ITEMS_SHOWN = 50


class StatsFilterForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("First day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All departments"),
    )

    def __init__(self, data, *, departments):
        super().__init__(data)
        self.fields["department"].queryset = departments
        for name in self.fields:
            self.fields[name].widget.attrs.setdefault(
                "class", "form-select" if name == "department" else "form-control"
            )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The first day comes after the last one."))
        return cleaned


def _scope_or_403(user):
    scope = selectors.stats_scope(user)
    if scope is not None and not scope:
        raise PermissionDenied(_("The statistics are for discipline inspectors and department heads."))
    return scope


def _form(request, scope) -> StatsFilterForm:
    return StatsFilterForm(request.GET, departments=selectors.stats_departments(scope))


def _statistics(form: StatsFilterForm, scope, *, item_limit=None):
    data = form.cleaned_data
    return selectors.case_statistics(
        scope=scope,
        date_from=data["date_from"],
        date_to=data["date_to"],
        department=data["department"],
        item_limit=item_limit,
    )


def _query(form: StatsFilterForm) -> str:
    """The validated filters as a query string, for the export links."""
    data = form.cleaned_data
    params = {
        "date_from": data["date_from"].isoformat() if data["date_from"] else "",
        "date_to": data["date_to"].isoformat() if data["date_to"] else "",
        "department": data["department"].code if data["department"] else "",
    }
    return urlencode({name: value for name, value in params.items() if value})


@require_safe
@login_required
def stats(request):
    scope = _scope_or_403(request.user)
    form = _form(request, scope)
    if not form.is_valid():
        return render(request, "supervision/stats/stats.html", {"form": form}, status=400)
    statistics = _statistics(form, scope, item_limit=ITEMS_SHOWN)
    chart = {
        "departments": [row.name for row in statistics.departments],
        "received": [row.received for row in statistics.departments],
        "concluded": [row.concluded for row in statistics.departments],
        "on_time": [row.on_time for row in statistics.departments],
    }
    context = {
        "form": form,
        "stats": statistics,
        "query": _query(form),
        "filtered": any(form.cleaned_data.values()),
        "chart": chart,
        "labels": {
            "received": _("Cases received"),
            "concluded": _("Concluded"),
            "on_time": _("Concluded on time"),
        },
    }
    return render(request, "supervision/stats/stats.html", context)


@require_safe
@login_required
def export(request, fmt: str):
    if fmt not in CONTENT_TYPES:
        raise Http404(_("Statistics export as CSV or XLSX."))
    scope = _scope_or_403(request.user)
    form = _form(request, scope)
    if not form.is_valid():
        messages = [message for errors in form.errors.values() for message in errors]
        return HttpResponse(" ".join(messages), status=400, content_type="text/plain; charset=utf-8")
    rows = selectors.statistics_rows(_statistics(form, scope))
    content = table_bytes(selectors.EXPORT_HEADER, rows, fmt=fmt, sheet=SHEET)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{_file_name(form)}.{fmt}"'
    return response


def _file_name(form: StatsFilterForm) -> str:
    data = form.cleaned_data
    parts = ["case-statistics"]
    if data["department"]:
        parts.append(data["department"].code)
    if data["date_from"] or data["date_to"]:
        parts.append(f"{data['date_from'] or ''}--{data['date_to'] or ''}")
    # Codes are letters, digits and dashes, but the name goes into a header: keep it plain ASCII.
    return "".join(char if char.isascii() and (char.isalnum() or char in "-_") else "_" for char in "_".join(parts))
