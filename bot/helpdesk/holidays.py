"""The holiday file: the 法定节假日 and 调休 working days of the years an operator lists (years the
`chinesecalendar` package does not know, or gets wrong), checked strictly with file and line.

    years:
      2027:
        holidays:                     # days off, weekdays or not
          - 2027-01-01
          - 2027-10-01 .. 2027-10-07  # a range, both ends included
        workdays:                     # 调休: weekend days that are working days
          - 2027-02-07

A year listed is described by the file alone: its weekdays are working days except the holidays
listed, its weekend days are days off except the working days listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.paths import PACKAGE_DIR
from bot.yamlio import DataError, Fields, LineDict, LineList, Problem, load_yaml

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class HolidayYear:
    """One year as a holiday file lists it."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]  # 调休: weekend days that are working days

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


@dataclass(frozen=True)
class HolidayFile:
    """A checked holiday file: the years it lists, and where to add one (its `years:` line)."""

    display: str
    line: int
    years: Mapping[int, HolidayYear]


def display_name(path: Path) -> str:
    """How messages name a data file: from the repository root when bundled, else as given."""
    try:
        return str(path.resolve().relative_to(PACKAGE_DIR.parent))
    except ValueError:
        return str(path)


def load_holiday_file(path: Path) -> HolidayFile:
    """Read and check one holiday file; DataError lists every problem with file and line."""
    display = display_name(path)
    try:
        data = load_yaml(path, display)
    except OSError as exc:
        raise DataError([Problem(display, 1, f"cannot read the file ({exc.strerror})")]) from None
    problems: list[Problem] = []
    if not isinstance(data, LineDict) or "years" not in data:
        raise DataError([Problem(display, 1, "expected a top-level 'years' mapping")])
    Fields(data, display, problems).unknown({"years"})
    listed = data["years"]
    years: dict[int, HolidayYear] = {}
    if listed is not None and not isinstance(listed, LineDict):
        problems.append(Problem(display, data.line_of("years"), "'years' must be a mapping"))
    elif listed is not None:
        for key, value in listed.items():
            year = _year(key, value, listed.line_of(key), display, problems)
            if year is not None:
                years[year.year] = year
    if problems:
        raise DataError(problems)
    return HolidayFile(display, data.line_of("years"), years)


def _year(
    key: str, value: Any, line: int, display: str, problems: list[Problem]
) -> HolidayYear | None:
    if not (key.isdigit() and 1900 <= int(key) <= 2100):
        problems.append(Problem(display, line, f"{key!r} is not a year (1900-2100)"))
        return None
    year = int(key)
    if not isinstance(value, LineDict):
        problems.append(
            Problem(display, line, f"year {year}: expected a mapping of 'holidays' and 'workdays'")
        )
        return None
    before = len(problems)
    Fields(value, display, problems).unknown({"holidays", "workdays"})
    holidays = _dates(value, "holidays", year, display, problems)
    workdays = _dates(value, "workdays", year, display, problems)
    if not holidays and len(problems) == before:
        # Every year has 法定节假日; an empty year is a year not filled in yet, not a year off.
        problems.append(Problem(display, line, f"year {year} lists no holidays"))
    for day, where in workdays.items():
        if day.weekday() < 5:
            problems.append(
                Problem(
                    display,
                    where,
                    f"workdays: {day} is a {WEEKDAY_NAMES[day.weekday()]}; list only the "
                    "weekend days that are working days (调休)",
                )
            )
        if day in holidays:
            problems.append(
                Problem(display, where, f"{day} is listed both as a holiday and as a workday")
            )
    if len(problems) > before:
        return None
    return HolidayYear(year, frozenset(holidays), frozenset(workdays))


def _dates(
    value: LineDict, key: str, year: int, display: str, problems: list[Problem]
) -> dict[date, int]:
    """The dates listed under `key`, each with its line."""
    items = value.get(key)
    if items is None:
        return {}
    if not isinstance(items, LineList):
        problems.append(Problem(display, value.line_of(key), f"'{key}' must be a list of dates"))
        return {}
    found: dict[date, int] = {}
    for item, line in zip(items, items.item_lines, strict=True):
        days = _days(item)
        if isinstance(days, str):
            problems.append(Problem(display, line, f"{key}: {days}"))
            continue
        wrong = [day for day in days if day.year != year]
        if wrong:
            problems.append(Problem(display, line, f"{key}: {wrong[0]} is not in {year}"))
            continue
        found.update(dict.fromkeys(days, line))
    return found


def _days(item: object) -> list[date] | str:
    """The days one list item names, or why it names none."""
    expected = "expected a date (2027-10-01) or a range (2027-10-01 .. 2027-10-07)"
    if isinstance(item, datetime):
        return f"{item} has a time of day; {expected}"
    if isinstance(item, date):
        return [item]
    if not isinstance(item, str):
        return f"{expected}, not {item!r}"
    ends = [part.strip() for part in item.split("..")]
    try:
        first, last = (date.fromisoformat(ends[0]), date.fromisoformat(ends[-1]))
    except ValueError:
        return f"{item!r} is not a date; {expected}"
    if len(ends) > 2 or last < first:
        return f"{item!r} is not a range from an earlier to a later date; {expected}"
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
