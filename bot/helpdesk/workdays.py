"""The official calendar and working time: which days are working days, when a limit of N working
days falls due, how much working time lies between two instants, and whether a due time is near.

Whether a day is a working day is decided year by year, in this order:

1. a holiday file (`holidays.HolidayFile`): the operator's `HOLIDAYS_FILE` first, then the bundled
   `holidays.yaml`; a year listed there is taken from that file alone;
2. the `chinesecalendar` package (import `chinese_calendar`), for the years it knows;
3. neither: every calendar day counts as a working day, with the same working hours. That can
   only make a due time earlier than the official calendar would, never later, so no time limit
   is missed because a year is unknown; but it is a guess, so `WorkCalendar.warnings` reports
   each such year (logged at start-up and posted to the staff group) until the year is added to
   the holiday file.

**Due time of "N working days"** (`WorkCalendar.due_at`), counted as Chinese law counts periods
(the first day is not counted; a period ends when business hours end): the day a ticket arrives
is not counted, whatever the hour, even when it is a holiday; the limit ends at the end of the
working hours (18:00 by default) of the Nth working day after that day. So every ticket gets N
whole working days: one that arrives on a Monday at 10:00 or at 20:00 with 3 working days is due
on Thursday at 18:00; one that arrives on a Sunday, on Wednesday at 18:00, when no holiday is in
between.

**Working time** between two instants (`WorkCalendar.working_time`) is the part of that interval
inside the working hours of working days: lunch breaks, nights, weekends and holidays don't count.

All instants are timezone-aware `datetime`s (a naive one raises ValueError); days and working
hours are those of the working hours' time zone (Asia/Shanghai by default). Due times are
returned in UTC, as the store keeps times.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

from bot.helpdesk.holidays import HolidayFile, HolidayYear, display_name, load_holiday_file
from bot.yamlio import DataError, Problem

CalendarSource = Literal["holiday file", "package", "calendar days"]
DueState = Literal["on_time", "due_soon", "overdue"]
BUNDLED_HOLIDAYS = Path(__file__).with_name("holidays.yaml")
DEFAULT_PERIODS = ((time(9), time(12)), (time(14), time(18)))
DEFAULT_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class WorkingHours:
    """The working periods of every working day, in the local time of `zone`."""

    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_ZONE))

    def __post_init__(self) -> None:
        ends = [moment for period in self.periods for moment in period]
        in_order = all(a < b if i % 2 == 0 else a <= b for i, (a, b) in enumerate(pairwise(ends)))
        if not ends or not in_order:
            raise ValueError(f"working periods must be in order and not overlap: {self.periods}")

    def on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of `day` (whether or not it is a working day), in UTC."""
        return [
            (
                datetime.combine(day, start, self.zone).astimezone(UTC),
                datetime.combine(day, end, self.zone).astimezone(UTC),
            )
            for start, end in self.periods
        ]


@dataclass(frozen=True)
class WorkCalendar:
    """Working days (holiday files, then the package, then every day) and working hours."""

    hours: WorkingHours = field(default_factory=WorkingHours)
    files: tuple[HolidayFile, ...] = ()  # the operator's first, then the bundled one

    def source(self, year: int) -> CalendarSource:
        """Where the working days of `year` come from; "calendar days" means nobody knows them."""
        if self._listed(year) is not None:
            return "holiday file"
        return "package" if _package_knows(year) else "calendar days"

    def is_working_day(self, day: date) -> bool:
        listed = self._listed(day.year)
        if listed is not None:
            return listed.is_working_day(day)
        official = _package_is_workday(day)
        return True if official is None else official

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (`day` itself never counts); count >= 1."""
        if count < 1:
            raise ValueError(f"count must be 1 or more, not {count}")
        while count:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def due_at(self, arrived: datetime, working_days: int) -> datetime:
        """The end of working hours on the `working_days`-th working day after arrival (UTC)."""
        arrival_day = _aware(arrived).astimezone(self.hours.zone).date()
        last_day = self.add_working_days(arrival_day, working_days)
        return self.hours.on(last_day)[-1][1]

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """The working time between two instants (the part inside working periods)."""
        start, end = _aware(start), _aware(end)
        if end < start:
            raise ValueError(f"the interval ends ({end}) before it starts ({start})")
        total = timedelta()
        day = start.astimezone(self.hours.zone).date()
        last_day = end.astimezone(self.hours.zone).date()
        while day <= last_day:
            if self.is_working_day(day):
                for begin, finish in self.hours.on(day):
                    total += max(timedelta(), min(end, finish) - max(start, begin))
            day += timedelta(days=1)
        return total

    def due_state(self, due: datetime, now: datetime, *, soon: timedelta) -> DueState:
        """Overdue after `due`; due soon when at most `soon` of working time is left before it."""
        if _aware(now) > _aware(due):
            return "overdue"
        return "due_soon" if self.working_time(now, due) <= soon else "on_time"

    def years_in_use(self, now: datetime) -> tuple[int, int]:
        """This year and the next (local time): the years due times can fall in soon."""
        year = _aware(now).astimezone(self.hours.zone).year
        return (year, year + 1)

    def warnings(self, years: Iterable[int]) -> list[Problem]:
        """One warning per year that neither a holiday file nor the package knows."""
        target = self.files[0] if self.files else None
        file = target.display if target else display_name(BUNDLED_HOLIDAYS)
        line = target.line if target else 1
        known = package_years()
        return [
            Problem(
                file,
                line,
                f"year {year} is in no holiday file and not in the chinesecalendar package "
                f"(which knows {known.start}-{known.stop - 1}): time limits in {year} count "
                "every calendar day as a working day. Add the year's 法定节假日 and 调休 "
                "working days under 'years:'",
            )
            for year in sorted(set(years))
            if self.source(year) == "calendar days"
        ]

    def _listed(self, year: int) -> HolidayYear | None:
        for holiday_file in self.files:
            if year in holiday_file.years:
                return holiday_file.years[year]
        return None


def load_calendar(hours: WorkingHours, override: Path | None = None) -> WorkCalendar:
    """The calendar of the operator's holiday file (if any) over the bundled one.

    Raises DataError listing every problem in both files, with file and line.
    """
    files: list[HolidayFile] = []
    problems: list[Problem] = []
    for path in (override, BUNDLED_HOLIDAYS):
        if path is None:
            continue
        try:
            files.append(load_holiday_file(path))
        except DataError as exc:
            problems.extend(exc.problems)
    if problems:
        raise DataError(problems)
    return WorkCalendar(hours, tuple(files))


def package_years() -> range:
    """The years the installed chinesecalendar package knows."""
    known = sorted(chinese_calendar.holidays)
    return range(known[0].year, known[-1].year + 1)


@lru_cache(maxsize=8192)
def _package_is_workday(day: date) -> bool | None:
    """The package's answer, or None for a year it does not know (it raises for those)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def _package_knows(year: int) -> bool:
    return _package_is_workday(date(year, 1, 1)) is not None


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}; pass an aware one")
    return moment
