"""Time limits: the bundled defaults per ticket category, an operator's file over them, and a bad
file named with its line."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.helpdesk.limits import load_time_limits
from bot.helpdesk.workdays import WorkingHours
from bot.store.model import CATEGORIES
from bot.yamlio import DataError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "limits.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_defaults() -> None:
    """Accept within 1 working day; answer within 3 (questions, cross-district) or 5 (reports);
    follow up a bad rating within 15; due soon within 4 working hours; 9-12 and 14-18 Shanghai."""
    limits = load_time_limits()
    assert dict(limits.accept_days) == dict.fromkeys(CATEGORIES, 1)
    assert dict(limits.answer_days) == {
        "unanswered": 3,
        "human-request": 3,
        "feedback": 3,
        "cross-district": 3,
        "report": 5,
    }
    assert limits.bad_rating_follow_up_days == 15
    assert limits.due_soon == timedelta(hours=4)
    assert limits.hours == WorkingHours(
        ((time(9), time(12)), (time(14), time(18))), ZoneInfo("Asia/Shanghai")
    )


def test_an_operator_file_overrides_only_what_it_gives(tmp_path: Path) -> None:
    """Values the operator's file gives win; the rest stay the defaults."""
    path = write(
        tmp_path,
        "working_hours: ['08:30-12:00', '13:30-17:30']\n"
        "timezone: Asia/Urumqi\n"
        "due_soon_hours: 2.5\n"
        "categories:\n"
        "  report: {answer: 7}\n"
        "  cross-district: {accept: 2, answer: 4}\n",
    )
    limits = load_time_limits(path)
    assert (limits.accept_days["report"], limits.answer_days["report"]) == (1, 7)
    assert (limits.accept_days["cross-district"], limits.answer_days["cross-district"]) == (2, 4)
    assert limits.answer_days["unanswered"] == 3
    assert limits.bad_rating_follow_up_days == 15
    assert limits.due_soon == timedelta(hours=2, minutes=30)
    assert limits.hours.periods == ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
    assert limits.hours.zone == ZoneInfo("Asia/Urumqi")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("categories:\n  question: {answer: 3}\n", 2, "unknown category 'question'"),
        ("categories:\n  report:\n    answer: 0\n", 3, "expected a whole number of working days"),
        ("categories:\n  report:\n    answer: 2.5\n", 3, "expected a whole number"),
        ("categories:\n  report: {reply: 3}\n", 2, "unknown field 'reply'"),
        ("bad_rating_follow_up: true\n", 1, "expected a whole number"),
        ("due_soon_hours: -1\n", 1, "expected a number of working hours"),
        ("timezone: Asia/Chongqingg\n", 1, "is not a time zone name"),
        ("\nworking_hours:\n  - '09:00-12:00'\n  - '9-18'\n", 4, "is not a period"),
        ("working_hours: ['14:00-18:00', '09:00-12:00']\n", 1, "after the period before"),
        ("working_hours: ['18:00-09:00']\n", 1, "must end after it starts"),
        ("working_hours: ['09:00-24:00']\n", 1, "is not a period"),
        ("sla: 3\n", 1, "unknown field 'sla'"),
        ("categories: [report]\n", 1, "must be a mapping"),
        ("- 3\n", 1, "expected a mapping of settings"),
        ("categories:\n  report: {answer: 3\n", 3, "YAML syntax error"),
        ("\ndue_soon_hours: 2027-02-30\n", 2, "'2027-02-30' is not a real date"),
    ],
)
def test_a_bad_time_limit_file_names_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    """Each mistake stops loading with the operator's file, the line and what is wrong."""
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        load_time_limits(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (str(path), line)
    assert message in problem.message


def test_a_missing_operator_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nowhere\.yaml:1: cannot read the file"):
        load_time_limits(tmp_path / "nowhere.yaml")
