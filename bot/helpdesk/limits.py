"""Time limits: per ticket category the working days to accept and to answer, the bad-rating
follow-up limit, the due-soon margin and the working hours all of them are counted in.

The defaults are in the bundled `time_limits.yaml`; the operator's `TIME_LIMITS_FILE`, in the same
format, may give any of the values and the rest come from the defaults. Both files are checked
strictly: a problem names file and line, and stops start-up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.helpdesk.holidays import display_name
from bot.helpdesk.workdays import WorkingHours
from bot.store.model import CATEGORIES, TicketCategory
from bot.yamlio import DataError, Fields, LineDict, Problem, load_yaml

BUNDLED_LIMITS = Path(__file__).with_name("time_limits.yaml")
TOP_FIELDS = {"timezone", "working_hours", "due_soon_hours", "bad_rating_follow_up", "categories"}
LIMIT_FIELDS = ("accept", "answer")
PERIOD = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class TimeLimits:
    """The limits in force, in working days, and the working hours they are counted in."""

    accept_days: Mapping[TicketCategory, int]  # to the first staff action
    answer_days: Mapping[TicketCategory, int]  # to the first staff reply
    bad_rating_follow_up_days: int
    due_soon: timedelta  # working time left before a limit when a ticket shows as due soon
    hours: WorkingHours


@dataclass
class _Values:
    """What one file says; None, or a key left out, where it says nothing."""

    limits: dict[tuple[str, str], int] = field(default_factory=dict)  # (category, field)
    follow_up: int | None = None
    due_soon_hours: float | None = None
    periods: tuple[tuple[time, time], ...] | None = None
    zone: ZoneInfo | None = None


def load_time_limits(override: Path | None = None) -> TimeLimits:
    """The bundled limits with the operator's file over them; DataError lists every problem."""
    problems: list[Problem] = []
    merged = _read(BUNDLED_LIMITS, problems)
    if override is not None:
        given = _read(override, problems)
        merged.limits.update(given.limits)
        for name in ("follow_up", "due_soon_hours", "periods", "zone"):
            if getattr(given, name) is not None:
                setattr(merged, name, getattr(given, name))
    bundled = display_name(BUNDLED_LIMITS)
    missing = [f"{c}.{f}" for c in CATEGORIES for f in LIMIT_FIELDS if (c, f) not in merged.limits]
    if missing:
        problems.append(Problem(bundled, 1, f"no limit for {', '.join(missing)}"))
    if problems:
        raise DataError(problems)
    if (
        merged.follow_up is None
        or merged.due_soon_hours is None
        or merged.periods is None
        or merged.zone is None
    ):
        raise DataError([Problem(bundled, 1, "a default is missing from the bundled file")])
    return TimeLimits(
        accept_days={c: merged.limits[(c, "accept")] for c in CATEGORIES},
        answer_days={c: merged.limits[(c, "answer")] for c in CATEGORIES},
        bad_rating_follow_up_days=merged.follow_up,
        due_soon=timedelta(hours=merged.due_soon_hours),
        hours=WorkingHours(merged.periods, merged.zone),
    )


def _read(path: Path, problems: list[Problem]) -> _Values:
    display = display_name(path)
    values = _Values()
    try:
        data = load_yaml(path, display)
    except OSError as exc:
        problems.append(Problem(display, 1, f"cannot read the file ({exc.strerror})"))
        return values
    except DataError as exc:
        problems.extend(exc.problems)
        return values
    if not isinstance(data, LineDict):
        problems.append(Problem(display, 1, "expected a mapping of settings"))
        return values
    fields = Fields(data, display, problems)
    fields.unknown(TOP_FIELDS)
    zone = fields.text("timezone", required=False)
    if zone is not None:
        values.zone = _zone(zone, fields)
    periods = fields.text_list("working_hours", required=False)
    if periods:
        values.periods = _periods(periods, fields)
    values.due_soon_hours = _number(data, "due_soon_hours", fields, whole=False)
    follow_up = _number(data, "bad_rating_follow_up", fields, whole=True)
    values.follow_up = None if follow_up is None else int(follow_up)
    categories = data.get("categories")
    if categories is not None and not isinstance(categories, LineDict):
        fields.problem("categories", "'categories' must be a mapping of category to limits")
    elif categories is not None:
        for category, limits in categories.items():
            _category(category, limits, categories.line_of(category), fields, values)
    return values


def _category(name: str, limits: Any, line: int, parent: Fields, values: _Values) -> None:
    if name not in CATEGORIES:
        parent.problem(None, f"unknown category {name!r}; one of {', '.join(CATEGORIES)}", line)
        return
    if not isinstance(limits, LineDict):
        parent.problem(None, f"{name}: expected a mapping with accept and answer", line)
        return
    fields = Fields(limits, parent.file, parent.problems)
    fields.entry_id = name
    fields.unknown(set(LIMIT_FIELDS))
    for key in LIMIT_FIELDS:
        days = _number(limits, key, fields, whole=True)
        if days is not None:
            values.limits[(name, key)] = int(days)


def _number(data: LineDict, key: str, fields: Fields, *, whole: bool) -> float | None:
    """A positive number of days (`whole`) or hours, or None when the file leaves it out."""
    value = data.get(key)
    if value is None:
        return None
    kind = int if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not 0 < value < 10_000:
        what = "a whole number of working days" if whole else "a number of working hours"
        fields.problem(key, f"{key!r} is {value!r}; expected {what}, more than 0")
        return None
    return float(value)


def _zone(name: str, fields: Fields) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fields.problem("timezone", f"timezone {name!r} is not a time zone name (Asia/Shanghai)")
        return None


def _periods(items: list[tuple[str, int]], fields: Fields) -> tuple[tuple[time, time], ...] | None:
    periods: list[tuple[time, time]] = []
    for text, line in items:
        match = PERIOD.match(text)
        numbers = [int(n) for n in match.groups()] if match else []
        if not numbers or max(numbers[0], numbers[2]) > 23 or max(numbers[1], numbers[3]) > 59:
            fields.problem(None, f"working_hours: {text!r} is not a period like 09:00-12:00", line)
            return None
        start, end = time(numbers[0], numbers[1]), time(numbers[2], numbers[3])
        if not (start < end and (not periods or periods[-1][1] <= start)):
            fields.problem(
                None,
                f"working_hours: {text!r} must end after it starts and after the period before",
                line,
            )
            return None
        periods.append((start, end))
    return tuple(periods)
