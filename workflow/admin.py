from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import Holiday, HolidaySource


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


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The working-day calendar. Model permissions decide who edits it (superusers by default)."""

    list_display = ["date", "weekday", "kind", "name", "source"]
    list_filter = ["kind", YearFilter, "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["source"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return date_format(obj.date, "l")

    def save_model(self, request, obj, form, change):
        # A row an administrator touched is theirs: seeding from the package leaves it alone.
        obj.source = HolidaySource.MANUAL
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        this_year = timezone.localdate().year
        years = [this_year, this_year + 1]
        held = {day.year for day in Holiday.objects.filter(date__year__in=years).dates("date", "year")}
        for year in years:
            if year not in held:
                messages.warning(
                    request,
                    _(
                        "The working-day calendar holds no days for %(year)d: deadlines in %(year)d count Monday to "
                        "Friday and New Year, Labour Day and National Day only. Enter the State Council's schedule."
                    )
                    % {"year": year},
                )
        return super().changelist_view(request, extra_context)
