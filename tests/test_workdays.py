"""The official calendar and working time: 调休 and holidays from the chinesecalendar package,
a holiday file for the years it lacks, the calendar-day fallback that says so, due times of
"N working days", working time between two instants and the due states."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import SettingsError, load_settings
from bot.helpdesk.workdays import WorkingHours, load_calendar, package_years
from bot.yamlio import DataError

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = WorkingHours()
CALENDAR = load_calendar(HOURS)
WORKING_DAY = timedelta(hours=7)  # 09:00-12:00 and 14:00-18:00
UNKNOWN_YEAR = package_years().stop  # the first year the installed package does not know


def at(text: str) -> datetime:
    """A local (Shanghai) instant, e.g. at("2026-09-30 15:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def first_weekday(year: int, weekday: int) -> date:
    day = date(year, 1, 1)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 14), True),  # a Saturday: 调休 working day before 春节
        (date(2026, 10, 10), True),  # a Saturday: 调休 working day after 国庆
        (date(2025, 9, 28), True),  # a Sunday: 调休 working day before 国庆 2025
        *[(date(2026, 10, n), False) for n in range(1, 8)],  # 国庆 1-7 October
        (date(2026, 9, 30), True),  # the Wednesday before 国庆
        (date(2026, 10, 8), True),
        (date(2026, 10, 11), False),  # an ordinary Sunday
        (date(2026, 11, 18), True),  # an ordinary Wednesday
    ],
)
def test_working_days_follow_the_official_calendar(day: date, working: bool) -> None:
    """调休 weekend days are working days; 国庆 and ordinary weekends are not."""
    assert CALENDAR.source(day.year) == "package"
    assert CALENDAR.is_working_day(day) == working


@pytest.mark.parametrize(
    ("arrived", "days", "due"),
    [
        # The afternoon before 国庆: the holiday does not count, the 调休 Saturday does.
        (at("2026-09-30 15:00"), 3, at("2026-10-10 18:00")),
        (at("2026-09-30 15:00"), 1, at("2026-10-08 18:00")),
        # The arrival day never counts, whatever the hour; a weekend arrival starts on Monday.
        (at("2026-11-16 10:00"), 3, at("2026-11-19 18:00")),
        (at("2026-11-16 20:00"), 3, at("2026-11-19 18:00")),
        (at("2026-11-16 07:00"), 3, at("2026-11-19 18:00")),
        (at("2026-11-15 11:00"), 3, at("2026-11-18 18:00")),
        (at("2026-11-20 17:59"), 1, at("2026-11-23 18:00")),
        # Given in UTC: 17:00 UTC on Sunday is 01:00 on Monday in Shanghai.
        (datetime(2026, 11, 15, 17, 0, tzinfo=UTC), 3, at("2026-11-19 18:00")),
        # Across the year's end into 2026 (New Year 1-3 January 2026 off, 4 January worked).
        (at("2025-12-31 16:00"), 2, at("2026-01-05 18:00")),
    ],
)
def test_due_time_of_n_working_days(arrived: datetime, days: int, due: datetime) -> None:
    """Due at the end of working hours of the Nth working day after the day of arrival."""
    actual = CALENDAR.due_at(arrived, days)
    assert actual == due
    assert actual.tzinfo == UTC


def test_a_year_the_package_lacks_counts_calendar_days_and_says_so() -> None:
    """With no file entry, every day of an unknown year is a working day, and a warning names
    the year, the holiday file to extend and its `years:` line."""
    saturday = first_weekday(UNKNOWN_YEAR, 5)
    assert CALENDAR.source(UNKNOWN_YEAR) == "calendar days"
    assert CALENDAR.is_working_day(saturday)
    friday = saturday - timedelta(days=1)
    due = CALENDAR.due_at(datetime.combine(friday, time(10), SHANGHAI), 1)
    assert due == datetime.combine(saturday, time(18), SHANGHAI)
    warnings = CALENDAR.warnings([UNKNOWN_YEAR - 1, UNKNOWN_YEAR])
    assert [w.file for w in warnings] == ["bot/helpdesk/holidays.yaml"]
    text = str(warnings[0])
    bundled = Path("bot/helpdesk/holidays.yaml").read_text(encoding="utf-8").splitlines()
    assert bundled[warnings[0].line - 1].startswith("years:")
    assert f"year {UNKNOWN_YEAR} is in no holiday file" in text
    assert "every calendar day as a working day" in text


def test_years_in_use_are_this_year_and_the_next_in_local_time() -> None:
    """At 23:00 UTC on 31 December it is already the next year in Shanghai."""
    assert CALENDAR.years_in_use(datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == (2027, 2028)


def test_a_holiday_file_entry_is_used_for_a_year_the_package_lacks(tmp_path: Path) -> None:
    """An operator's file lists the year: its holidays rest, its 调休 weekend days work, and
    the warning for that year is gone."""
    year = UNKNOWN_YEAR
    saturday = first_weekday(year, 5)
    path = write(
        tmp_path,
        f"years:\n  {year}:\n    holidays:\n      - {year}-01-01\n"
        f"      - {year}-10-01 .. {year}-10-07\n    workdays: [{saturday}]\n",
    )
    calendar = load_calendar(HOURS, override=path)
    assert calendar.source(year) == "holiday file"
    assert not calendar.is_working_day(date(year, 10, 4))
    assert calendar.is_working_day(saturday)
    assert not calendar.is_working_day(saturday + timedelta(days=7))
    assert calendar.is_working_day(date(year, 10, 8)) == (date(year, 10, 8).weekday() < 5)
    assert calendar.warnings([year]) == []
    assert calendar.warnings([year + 1])[0].file == str(path)


def test_a_holiday_file_year_replaces_the_package_for_that_year(tmp_path: Path) -> None:
    """The operator's file comes first: a year it lists is taken from it alone."""
    path = write(tmp_path, "years:\n  2026:\n    holidays: [2026-11-18]\n")
    calendar = load_calendar(HOURS, override=path)
    assert calendar.source(2026) == "holiday file"
    assert not calendar.is_working_day(date(2026, 11, 18))
    assert not calendar.is_working_day(date(2026, 2, 14))  # the package's 调休 day is not listed
    assert calendar.source(2025) == "package"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "years:\n  2027:\n    workdays: [2027-02-08]\n    holidays: [2027-01-01]\n",
            3,
            "2027-02-08 is a Monday",
        ),
        (
            "years:\n  2027:\n    holidays:\n      - 2027-01-01\n      - 2028-01-01\n",
            5,
            "2028-01-01 is not in 2027",
        ),
        ("years:\n  2027:\n    holidays:\n      - 2027-13-01\n", 4, "is not a real date"),
        ("years:\n  2027:\n    holidays:\n      - 2027-02-30\n", 4, "is not a real date"),
        ("years:\n  2027:\n    holidays:\n      - 2027-10-07 .. 2027-10-01\n", 4, "is not a range"),
        ("years:\n  2027:\n    holidays:\n      - 2027-01-01 09:00:00\n", 4, "has a time of day"),
        (
            "years:\n  2027:\n    holidays: [2027-01-01]\n    holiday: [2027-01-02]\n",
            4,
            "unknown field 'holiday'",
        ),
        ("years:\n  '20x7':\n    holidays: [2027-01-01]\n", 2, "is not a year"),
        ("years:\n  2027:\n    workdays: []\n", 2, "year 2027 lists no holidays"),
        (
            "years:\n  2027:\n    holidays: [2027-01-02]\n    workdays: [2027-01-02]\n",
            4,
            "listed both as a holiday and as a workday",
        ),
        ("years:\n  2027:\n    holidays: 2027-01-01\n", 3, "must be a list of dates"),
        ("years:\n  2027:\n    holidays: [2027-01-01\n", 4, "YAML syntax error"),
        ("holidays: [2027-01-01]\n", 1, "expected a top-level 'years' mapping"),
    ],
)
def test_a_bad_holiday_file_names_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    """Every mistake stops loading with the file, the line and what is wrong."""
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        load_calendar(HOURS, override=path)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (str(path), line)
    assert message in problem.message


def test_every_problem_of_a_holiday_file_is_reported(tmp_path: Path) -> None:
    """Two bad years give two problems, not just the first."""
    path = write(tmp_path, "years:\n  2027:\n    holidays: [x]\n  2028:\n    holidays: [y]\n")
    with pytest.raises(DataError) as caught:
        load_calendar(HOURS, override=path)
    assert [p.line for p in caught.value.problems] == [3, 5]


@pytest.mark.parametrize(
    ("start", "end", "working"),
    [
        (at("2026-11-18 11:00"), at("2026-11-18 15:00"), timedelta(hours=2)),  # over lunch
        (at("2026-11-18 12:10"), at("2026-11-18 13:50"), timedelta()),  # inside lunch
        (at("2026-11-18 08:00"), at("2026-11-18 19:00"), WORKING_DAY),
        (at("2026-11-20 17:00"), at("2026-11-23 10:00"), timedelta(hours=2)),  # a weekend
        (at("2026-09-30 17:00"), at("2026-10-08 09:30"), timedelta(hours=1, minutes=30)),
        (at("2026-10-09 17:30"), at("2026-10-10 09:15"), timedelta(minutes=45)),  # 调休 Sat
        (at("2026-11-16 09:00"), at("2026-11-23 09:00"), 5 * WORKING_DAY),  # a week
        (at("2026-11-18 10:00"), at("2026-11-18 10:00"), timedelta()),
    ],
)
def test_working_time_between_two_instants(
    start: datetime, end: datetime, working: timedelta
) -> None:
    """Only working hours of working days count: no lunch, nights, weekends or holidays."""
    assert CALENDAR.working_time(start, end) == working
    assert CALENDAR.working_time(start.astimezone(UTC), end) == working


def test_working_time_refuses_a_backwards_interval_and_naive_times() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        CALENDAR.working_time(at("2026-11-18 11:00"), at("2026-11-18 10:00"))
    with pytest.raises(ValueError, match="naive"):
        CALENDAR.due_at(datetime(2026, 11, 18, 10), 1)


@pytest.mark.parametrize(
    ("due", "now", "state"),
    [
        (at("2026-11-19 18:00"), at("2026-11-18 17:00"), "on_time"),  # 8 working hours left
        (at("2026-11-19 18:00"), at("2026-11-19 11:59"), "on_time"),  # 4 h 1 min left
        (at("2026-11-19 18:00"), at("2026-11-19 12:00"), "due_soon"),  # 4 h left (lunch)
        (at("2026-11-19 18:00"), at("2026-11-19 17:59"), "due_soon"),
        (at("2026-11-19 18:00"), at("2026-11-19 18:00"), "due_soon"),
        (at("2026-11-19 18:00"), at("2026-11-19 18:01"), "overdue"),
        (at("2026-11-23 10:00"), at("2026-11-20 17:00"), "due_soon"),  # 2 h over a weekend
        (at("2026-10-08 18:00"), at("2026-09-30 16:00"), "on_time"),  # 9 h over 国庆
    ],
)
def test_due_state(due: datetime, now: datetime, state: str) -> None:
    """Overdue after the due time, due soon within 4 working hours of it, else on time."""
    assert CALENDAR.due_state(due, now, soon=timedelta(hours=4)) == state


@settings(max_examples=200, deadline=None)
@given(
    arrived=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2026, 11, 30), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=1, max_value=15),
)
def test_every_ticket_gets_n_whole_working_days(arrived: datetime, days: int) -> None:
    """The due time ends a working day's hours, and between arrival and it lie at least N and
    at most N + 1 working days of working time (the arrival day's remainder)."""
    due = CALENDAR.due_at(arrived, days)
    local = due.astimezone(SHANGHAI)
    assert CALENDAR.is_working_day(local.date())
    assert local.time() == time(18)
    assert days * WORKING_DAY <= CALENDAR.working_time(arrived, due) <= (days + 1) * WORKING_DAY


def test_working_periods_must_be_in_order() -> None:
    with pytest.raises(ValueError, match="in order"):
        WorkingHours(((time(14), time(18)), (time(9), time(12))))
    with pytest.raises(ValueError, match="in order"):
        WorkingHours(((time(9), time(9)),))


def test_holiday_and_time_limit_file_settings(tmp_path: Path) -> None:
    """HOLIDAYS_FILE and TIME_LIMITS_FILE name existing files; a missing one stops start-up."""
    path = write(tmp_path, "years: {}\n")
    env = {"HOLIDAYS_FILE": str(path), "TIME_LIMITS_FILE": str(path)}
    loaded = load_settings(env, env_file=None)
    assert (loaded.holidays_file, loaded.time_limits_file) == (path, path)
    assert load_settings({}, env_file=None).holidays_file is None
    with pytest.raises(SettingsError, match=r"HOLIDAYS_FILE has value '.*nowhere.yaml'; not a"):
        load_settings({"HOLIDAYS_FILE": str(tmp_path / "nowhere.yaml")}, env_file=None)
