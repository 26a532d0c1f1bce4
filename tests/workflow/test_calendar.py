from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from workflow.calendar import WorkingCalendar
from workflow.models import Holiday, HolidayKind, HolidaySource
from workflow.services.holidays import holidays_seed_from_package

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=SHANGHAI)


# The 2026 schedule (国务院办公厅, as the package holds it):
# Spring Festival: 15-23 Feb off; Saturday 14 Feb and Saturday 28 Feb worked.
# Mid-Autumn: 25-27 Sep off. National Day: 1-7 Oct off; Sunday 20 Sep and Saturday 10 Oct worked.


def test_national_day_2026_from_the_package(calendar_2025_2026):
    calendar = WorkingCalendar()
    assert [calendar.is_workday(date(2026, 10, day)) for day in range(1, 12)] == [
        False,  # Thu 1 Oct
        False,
        False,
        False,
        False,
        False,
        False,  # Wed 7 Oct
        True,  # Thu 8 Oct
        True,  # Fri 9 Oct
        True,  # Sat 10 Oct, adjusted working day
        False,  # Sun 11 Oct, an ordinary Sunday
    ]
    assert calendar.is_workday(date(2026, 9, 20))  # Sunday, adjusted working day
    assert not calendar.is_workday(date(2026, 9, 25))  # Friday, Mid-Autumn
    assert Holiday.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert Holiday.objects.get(date=date(2026, 10, 10)).kind == HolidayKind.WORKDAY
    assert calendar.missing_years == set()


def test_spring_festival_2026_from_the_package(calendar_2025_2026):
    calendar = WorkingCalendar()
    assert calendar.is_workday(date(2026, 2, 14))  # Saturday, adjusted working day
    assert not any(calendar.is_workday(date(2026, 2, day)) for day in range(15, 24))
    assert calendar.is_workday(date(2026, 2, 24))
    assert calendar.is_workday(date(2026, 2, 28))  # Saturday, adjusted working day
    assert Holiday.objects.get(date=date(2026, 2, 17)).name == "春节"


def test_add_working_days_across_spring_festival_2026(calendar_2025_2026):
    calendar = WorkingCalendar()
    friday = date(2026, 2, 13)
    assert calendar.add_working_days(friday, 1) == date(2026, 2, 14)  # the adjusted Saturday
    assert calendar.add_working_days(friday, 2) == date(2026, 2, 24)  # after nine days off
    assert calendar.add_working_days(friday, 6) == date(2026, 2, 28)  # the second adjusted Saturday
    assert calendar.add_working_days(friday, 7) == date(2026, 3, 2)
    assert calendar.add_working_days(date(2026, 2, 24), -2) == date(2026, 2, 13)


def test_add_working_days_across_national_day_2026(calendar_2025_2026):
    calendar = WorkingCalendar()
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert calendar.add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)


def test_zero_working_days_is_the_day_itself_or_the_next_working_day(calendar_2025_2026):
    calendar = WorkingCalendar()
    assert calendar.add_working_days(date(2026, 9, 30), 0) == date(2026, 9, 30)
    assert calendar.add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 8)


def test_working_days_between_counts_the_half_open_interval(calendar_2025_2026):
    calendar = WorkingCalendar()
    # (30 Sep, 12 Oct]: 8, 9, 10 (Saturday, worked) and 12 Oct.
    assert calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert calendar.working_days_between(date(2026, 10, 12), date(2026, 9, 30)) == -4
    assert calendar.working_days_between(date(2026, 10, 12), date(2026, 10, 12)) == 0


# Accepted Tuesday 29 Sep 2026; 20 working days after that day, without pauses:
#   30 Sep (1); 1-7 Oct off; 8 (2), 9 (3), Sat 10 (4, adjusted), 12-16 (5-9), 19-23 (10-14),
#   26-30 (15-19), Mon 2 Nov (20).
# Suspended Friday 9 Oct 15:00 to Tuesday 13 Oct 10:00 covers (9 Oct, 13 Oct]: Sat 10 (worked),
#   Mon 12, Tue 13 = 3 working days (Sun 11 is off), so 23 working days: Tue 3 (21), Wed 4 (22),
#   Thu 5 Nov 2026 (23).
ACCEPTED = local(2026, 9, 29, 10, 0)
SUSPENSION = (local(2026, 10, 9, 15, 0), local(2026, 10, 13, 10, 0))


def test_deadline_across_national_day_2026(calendar_2025_2026):
    assert WorkingCalendar().deadline(ACCEPTED, 20) == end_of(date(2026, 11, 2))


def test_deadline_is_extended_by_the_working_days_a_suspension_covers(calendar_2025_2026):
    deadline = WorkingCalendar().deadline(ACCEPTED, 20, pauses=[SUSPENSION])
    assert deadline == end_of(date(2026, 11, 5))
    assert deadline.utcoffset().total_seconds() == 8 * 3600


def test_deadline_counts_days_in_shanghai_whatever_the_zone_of_the_acceptance(calendar_2025_2026):
    # 17:00 UTC on 29 Sep is 01:00 on 30 Sep in Shanghai: counting starts a day later.
    accepted = datetime(2026, 9, 29, 17, 0, tzinfo=UTC)
    assert WorkingCalendar().deadline(accepted, 20) == end_of(date(2026, 11, 3))


def test_a_pause_within_one_day_costs_nothing(calendar_2025_2026):
    pause = (local(2026, 10, 12, 9, 0), local(2026, 10, 12, 17, 0))
    assert WorkingCalendar().deadline(ACCEPTED, 20, pauses=[pause]) == end_of(date(2026, 11, 2))


def test_overlapping_pauses_count_each_working_day_once(calendar_2025_2026):
    pauses = [SUSPENSION, (local(2026, 10, 12, 9, 0), local(2026, 10, 13, 9, 0))]
    assert WorkingCalendar().deadline(ACCEPTED, 20, pauses=pauses) == end_of(date(2026, 11, 5))


def test_an_open_pause_counts_up_to_today(calendar_2025_2026):
    open_suspension = (SUSPENSION[0], None)
    with time_machine.travel(local(2026, 10, 13, 12, 0), tick=False):
        assert WorkingCalendar().deadline(ACCEPTED, 20, pauses=[open_suspension]) == end_of(date(2026, 11, 5))
    with time_machine.travel(local(2026, 10, 14, 12, 0), tick=False):
        assert WorkingCalendar().deadline(ACCEPTED, 20, pauses=[open_suspension]) == end_of(date(2026, 11, 6))


def test_a_manual_row_overrides_the_package_and_survives_seeding(calendar_2025_2026):
    Holiday.objects.filter(date=date(2026, 10, 10)).update(
        kind=HolidayKind.HOLIDAY, name="本地调整", source=HolidaySource.MANUAL
    )
    Holiday.objects.create(date=date(2026, 10, 12), kind=HolidayKind.HOLIDAY, name="本地假日")

    assert holidays_seed_from_package(years=range(2026, 2027)) == 0

    row = Holiday.objects.get(date=date(2026, 10, 10))
    assert (row.kind, row.name, row.source) == (HolidayKind.HOLIDAY, "本地调整", HolidaySource.MANUAL)
    calendar = WorkingCalendar()
    assert not calendar.is_workday(date(2026, 10, 10))
    assert not calendar.is_workday(date(2026, 10, 12))
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 13)


def test_seeding_twice_adds_nothing(calendar_2025_2026):
    count = Holiday.objects.count()
    assert calendar_2025_2026 == count > 0
    assert holidays_seed_from_package(years=range(2025, 2027)) == 0
    assert Holiday.objects.count() == count


def test_seeding_restores_a_package_row_changed_behind_its_back(calendar_2025_2026):
    Holiday.objects.filter(date=date(2026, 10, 1)).update(name="改过")
    holidays_seed_from_package(years=range(2026, 2027))
    assert Holiday.objects.get(date=date(2026, 10, 1)).name == "国庆节"


def test_seed_holidays_command_takes_years(db, capsys):
    call_command("seed_holidays", "--years", "2026", "2027")
    assert {day.year for day in Holiday.objects.dates("date", "year")} == {2026}
    assert "2027" in capsys.readouterr().err


def test_a_year_without_rows_falls_back_to_fixed_holidays_without_raising(calendar_2025_2026):
    calendar = WorkingCalendar()
    assert not calendar.is_workday(date(2027, 1, 1))  # Friday, New Year
    assert calendar.is_workday(date(2027, 1, 4))
    assert not calendar.is_workday(date(2027, 1, 9))  # Saturday
    assert not calendar.is_workday(date(2027, 10, 1))  # Friday, National Day
    assert calendar.is_workday(date(2027, 10, 4))
    assert calendar.is_workday(date(2027, 2, 8))  # Spring Festival eve: lunar, not in the fallback
    assert calendar.missing_years == {2027}


def test_a_deadline_running_into_a_year_without_rows_reports_it(calendar_2025_2026):
    calendar = WorkingCalendar()
    # Thu 31 Dec 2026 (1); Fri 1 Jan 2027 off by the fallback; Mon 4 Jan (2), Tue 5 Jan (3).
    assert calendar.add_working_days(date(2026, 12, 30), 3) == date(2027, 1, 5)
    assert calendar.missing_years == {2027}


def test_add_working_days_loads_the_calendar_in_two_queries(calendar_2025_2026, django_assert_num_queries):
    calendar = WorkingCalendar()
    with django_assert_num_queries(2):  # the days of the span, and the years marked complete
        end = calendar.add_working_days(date(2025, 12, 20), 200)
        calendar.add_working_days(date(2026, 1, 5), 20)
        calendar.working_days_between(date(2026, 1, 1), end)
    assert end.year == 2026


def test_the_fallback_gives_labour_day_two_days(db):
    calendar = WorkingCalendar()
    assert not calendar.is_workday(date(2029, 5, 1))  # Tuesday
    assert not calendar.is_workday(date(2029, 5, 2))
    assert calendar.is_workday(date(2029, 5, 3))
    assert calendar.missing_years == {2029}


@pytest.mark.parametrize("today", [date(2026, 10, 9), date(2026, 10, 12), date(2026, 2, 24), date(2026, 2, 22)])
@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_first_start_in_time_is_the_boundary_of_add_working_days(calendar_2025_2026, today, n):
    calendar = WorkingCalendar()
    boundary = calendar.first_start_in_time(today, n)

    assert calendar.add_working_days(boundary, n) >= today
    assert calendar.add_working_days(boundary - timedelta(days=1), n) < today
