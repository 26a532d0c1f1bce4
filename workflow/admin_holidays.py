"""The working-day calendar in the admin: its days, the years marked complete, and the import.

Every change goes through workflow.services.holidays (or holiday_import), which recomputes the
open cases whose deadlines the changed days move; the admin says how many moved. Model
permissions decide who edits the calendar (superusers by default).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .calendar import complete_years
from .models import Holiday, HolidayYear
from .services.holiday_import import MAX_BYTES, holidays_import
from .services.holidays import holiday_save, holiday_years_mark, holidays_delete


def _report_moved(request, moved) -> None:
    if moved:
        messages.info(
            request,
            ngettext(
                "The deadline of %(count)d open case was recomputed; its applicant is told.",
                "The deadlines of %(count)d open cases were recomputed; their applicants are told.",
                len(moved),
            )
            % {"count": len(moved)},
        )


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = Holiday.objects.dates("date", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


class ScheduleImportForm(forms.Form):
    file = forms.FileField(
        label=_("Schedule file"),
        help_text=_("CSV in UTF-8: date_from,date_to,kind,name per line, kind holiday or workday (docs/holidays.md)."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run"), required=False, help_text=_("Check the file and report what would change; write nothing.")
    )
    complete = forms.BooleanField(
        label=_("Mark the year complete"),
        required=False,
        help_text=_("The file is the State Council's whole schedule of the year: end the fallback holidays."),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_BYTES:
            raise forms.ValidationError(_("The schedule file is larger than 64 KB: it is not a year's schedule."))
        return file


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The days that depart from the Monday-to-Friday week."""

    list_display = ["date", "weekday", "kind", "name", "source"]
    list_filter = ["kind", YearFilter, "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["source"]
    change_list_template = "admin/workflow/holiday/change_list.html"

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return date_format(obj.date, "l")

    def save_model(self, request, obj, form, change):
        previous = form.initial.get("date") if change else None
        _report_moved(request, holiday_save(holiday=obj, previous_date=previous))

    def delete_model(self, request, obj):
        _report_moved(request, holidays_delete(holidays=[obj]))

    def delete_queryset(self, request, queryset):
        _report_moved(request, holidays_delete(holidays=list(queryset)))

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="workflow_holiday_import"), *super().get_urls()]

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_delete_permission(request)):
            raise PermissionDenied
        form = ScheduleImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            options = form.cleaned_data
            try:
                report = holidays_import(
                    content=options["file"].read(),
                    user=request.user,
                    complete=options["complete"],
                    dry_run=options["dry_run"],
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                if not report.dry_run:
                    messages.success(request, _("The schedule of %(year)d is imported.") % {"year": report.year})
                    _report_moved(request, report.moved)
                    return redirect(f"{reverse('admin:workflow_holiday_changelist')}?year={report.year}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import a year's holiday schedule"),
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/workflow/holiday/import.html", context)

    def changelist_view(self, request, extra_context=None):
        this_year = timezone.localdate().year
        complete = complete_years()
        for year in (this_year, this_year + 1):
            if year not in complete:
                messages.warning(
                    request,
                    _(
                        "The holiday schedule of %(year)d is not marked complete: its days without a row count "
                        "Monday to Friday less New Year, Labour Day and National Day, and deadlines over it are "
                        "shown as provisional. Enter (or import) the State Council's schedule and mark the year "
                        "complete."
                    )
                    % {"year": year},
                )
        return super().changelist_view(request, extra_context)


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """Which years are entered in full. Marking a year complete ends the fallback holidays for it."""

    list_display = ["year", "complete", "source", "completed_by", "completed_at"]
    list_filter = ["complete"]
    fields = ["year", "complete", "source", "completed_by", "completed_at"]
    readonly_fields = ["source", "completed_by", "completed_at"]
    actions = ["mark_complete", "mark_incomplete"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "year"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        _report_moved(request, holiday_years_mark(years=[obj.year], complete=obj.complete, user=request.user))
        obj.pk = HolidayYear.objects.get(year=obj.year).pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        return False  # a year is marked not complete, never forgotten: its row says who completed it

    @admin.action(description=_("Mark the selected years complete"), permissions=["change"])
    def mark_complete(self, request, queryset):
        years = list(queryset.values_list("year", flat=True))
        _report_moved(request, holiday_years_mark(years=years, complete=True, user=request.user))

    @admin.action(description=_("Mark the selected years not complete"), permissions=["change"])
    def mark_incomplete(self, request, queryset):
        years = list(queryset.values_list("year", flat=True))
        _report_moved(request, holiday_years_mark(years=years, complete=False, user=request.user))
