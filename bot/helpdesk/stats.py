"""The figures a team lead reads, per period (a day, a week, a month, or dates given):

- tickets created in the period, by category and by status (status now);
- accepted-on-time and answered-on-time rates: of the limits that count (met, or passed
  unmet; `deadlines.counted`), the share met by their due time;
- median and 90th percentile (nearest rank) of the working time from arrival to the first
  staff reply, and to closing (tickets closed by staff);
- 好差评 given in the period: how many of each level, and the satisfaction rate, as 12345
  practice counts it: (非常满意 + 满意 + 基本满意) ÷ all ratings;
- per staff member: claims, assignments, replies, closes, notes and follow-ups in the period;
- the bot's own answered share: questions the knowledge base answered that did not become a
  ticket (no 👎 or 转人工 after the answer) ÷ all questions (answered ones, plus tickets filed
  without an answer: unanswered questions, 转人工 with no question answered, reports, 通办);
- the most frequent unanswered questions, grouped by similarity (rapidfuzz on the normalised
  text: full-width folded, case folded, punctuation and spaces removed);
- and, over all time (purged answers' totals included), the 👍/👎 votes on answers.

Working-time figures are computed here, in Python, from the store's plain rows.
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from rapidfuzz import fuzz

from bot.helpdesk.deadlines import Rules, counted, timings
from bot.helpdesk.roster import Roster
from bot.privacy import mask_pii
from bot.store.interface import TicketStore
from bot.store.model import CATEGORIES, RATINGS, STATUSES, TicketQuery
from bot.words import category_label, rating_label, stats_label, status_label

PERIODS = ("day", "week", "month")
SIMILAR = 75  # rapidfuzz ratio (0-100) at which two unanswered questions are one group
TOP_UNANSWERED = 5
_NOT_TEXT = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Span:
    """A period: [since, until) in UTC, and how it was named."""

    name: str
    since: datetime
    until: datetime


@dataclass
class Report:
    span: Span
    by_category: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    accepted: tuple[int, int] = (0, 0)  # (on time, counted)
    answered: tuple[int, int] = (0, 0)
    first_reply_hours: tuple[float | None, float | None] = (None, None)  # (median, p90)
    close_hours: tuple[float | None, float | None] = (None, None)
    ratings: dict[int, int] = field(default_factory=dict)
    satisfied: tuple[int, int] = (0, 0)  # (非常满意 + 满意 + 基本满意, all ratings)
    staff: dict[str, dict[str, int]] = field(default_factory=dict)
    bot_answered: tuple[int, int] = (0, 0)  # (answered without a ticket, all questions)
    # The same share for each of the last WEEKS_SHOWN ISO weeks, oldest first ("2026-W49", …):
    # the measured effect of the learning loop (issue 18).
    weekly: list[tuple[str, tuple[int, int]]] = field(default_factory=list)
    unanswered: list[tuple[str, int, list[int]]] = field(default_factory=list)
    votes: dict[str, int] = field(default_factory=dict)  # 👍/👎 on answers, all time


def span_of(
    rules: Rules,
    now: datetime,
    period: str = "week",
    since: date | None = None,
    until: date | None = None,
) -> Span:
    """The period containing `now` (local days; a week starts on Monday), or the dates given
    (both included; `since` alone runs to today, `until` alone from the start of its period)."""
    zone = rules.limits.hours.zone
    today = now.astimezone(zone).date()
    anchor = until if until is not None and since is None else today
    if period == "day":
        first = anchor
    elif period == "month":
        first = anchor.replace(day=1)
    else:
        first = anchor - timedelta(days=anchor.weekday())
    start = since or first
    if until is not None:
        end = until + timedelta(days=1)
    elif since is not None:
        end = today + timedelta(days=1)
    else:
        end = _next(first, period)
    name = f"{start.isoformat()} – {(end - timedelta(days=1)).isoformat()}"
    return Span(name, _midnight(start, rules), _midnight(end, rules))


def _next(first: date, period: str) -> date:
    if period == "day":
        return first + timedelta(days=1)
    if period == "month":
        return (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first + timedelta(days=7)


def _midnight(day: date, rules: Rules) -> datetime:
    return datetime.combine(day, time(), rules.limits.hours.zone)


async def build_report(
    store: TicketStore, rules: Rules, roster: Roster, span: Span, now: datetime
) -> Report:
    report = Report(span)
    tickets = await store.search(TicketQuery(since=span.since, until=span.until, sort="oldest"))
    report.by_category = dict.fromkeys(CATEGORIES, 0)
    report.by_status = dict.fromkeys(STATUSES, 0)
    for ticket in tickets:
        report.by_category[ticket.category] += 1
        report.by_status[ticket.status] += 1
    times = await timings(store, rules, tickets)
    accept = [
        times[t.number].accept
        for t in tickets
        if counted(times[t.number].accept, times[t.number], now)
    ]
    answer = [
        times[t.number].answer
        for t in tickets
        if counted(times[t.number].answer, times[t.number], now)
    ]
    report.accepted = (sum(d.met_on_time for d in accept), len(accept))
    report.answered = (sum(d.met_on_time for d in answer), len(answer))
    marks = await store.milestones([t.number for t in tickets])
    replies, closes = [], []
    for ticket in tickets:
        mark = marks[ticket.number]
        if mark.first_reply_at is not None:
            replies.append(_hours(rules, ticket.created_at, mark.first_reply_at))
        if mark.closed_at is not None and not (mark.closed_by or "").startswith("user:"):
            closes.append(_hours(rules, ticket.created_at, mark.closed_at))
    report.first_reply_hours = _median_p90(replies)
    report.close_hours = _median_p90(closes)
    given = await store.ratings(since=span.since, until=span.until)
    counts = Counter(r.rating for r in given)
    report.ratings = {r: counts.get(r, 0) for r in RATINGS}
    report.satisfied = (sum(1 for r in given if r.rating >= 3), len(given))
    activity = await store.staff_activity(span.since, span.until)
    report.staff = {roster.name(actor): kinds for actor, kinds in sorted(activity.items())}
    report.bot_answered = await bot_answered(store, span.since, span.until)
    report.weekly = await weekly_bot_answered(store, rules, now)
    questions = [(t.number, t.text.splitlines()[0]) for t in tickets if t.category == "unanswered"]
    report.unanswered = group_similar(questions)[:TOP_UNANSWERED]
    feedback = (await store.stats()).feedback  # with the totals of purged answers
    report.votes = {"up": feedback.get("up", 0), "down": feedback.get("down", 0)}
    return report


WEEKS_SHOWN = 8


async def bot_answered(store: TicketStore, since: datetime, until: datetime) -> tuple[int, int]:
    """(questions the knowledge base answered that did not become a ticket, all questions:
    those answered plus the tickets filed without an answer) in [since, until)."""
    answered, ticketed = await store.answer_counts(since, until)
    direct = await store.count_direct_tickets(since, until)
    return answered - ticketed, answered + direct


async def weekly_bot_answered(
    store: TicketStore, rules: Rules, now: datetime, weeks: int = WEEKS_SHOWN
) -> list[tuple[str, tuple[int, int]]]:
    """`bot_answered` for each of the last `weeks` ISO weeks (local time), oldest first."""
    zone = rules.limits.hours.zone
    today = now.astimezone(zone).date()
    this_monday = today - timedelta(days=today.weekday())
    shown = []
    for back in range(weeks - 1, -1, -1):
        monday = this_monday - timedelta(weeks=back)
        since = datetime.combine(monday, time(), zone)
        year, week, _ = monday.isocalendar()
        counts = await bot_answered(store, since, since + timedelta(days=7))
        shown.append((f"{year}-W{week:02d}", counts))
    return shown


def _hours(rules: Rules, start: datetime, end: datetime) -> float:
    return rules.calendar.working_time(start, max(start, end)).total_seconds() / 3600


def _median_p90(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    ordered = sorted(values)
    rank = math.ceil(0.9 * len(ordered))  # nearest rank
    return statistics.median(ordered), ordered[rank - 1]


def normalised(text: str) -> str:
    """The text as compared: NFKC (full-width folded), case folded, no punctuation or spaces."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text).casefold())


def group_similar(questions: list[tuple[int, str]]) -> list[tuple[str, int, list[int]]]:
    """(the first wording, how many, ticket numbers) per group of similar questions, largest
    first; a question joins the first group whose first wording it matches at SIMILAR."""
    groups: list[tuple[str, str, list[int]]] = []
    for number, text in questions:
        key = normalised(text)
        for _shown, first, numbers in groups:
            if key and fuzz.ratio(key, first) >= SIMILAR:
                numbers.append(number)
                break
        else:
            groups.append((text, key, [number]))
    ordered = sorted(groups, key=lambda g: (-len(g[2]), g[2][0]))
    return [(shown, len(numbers), numbers) for shown, _, numbers in ordered]


def _rate(pair: tuple[int, int]) -> float | None:
    return None if pair[1] == 0 else pair[0] / pair[1]


def as_json(report: Report) -> dict[str, Any]:
    """The report for machines (`tickets stats --json`): times in UTC, hours as numbers."""
    return {
        "since": report.span.since.isoformat(),
        "until": report.span.until.isoformat(),
        "tickets": sum(report.by_status.values()),
        "by_category": report.by_category,
        "by_status": report.by_status,
        "accepted_on_time": {
            "on_time": report.accepted[0],
            "counted": report.accepted[1],
            "rate": _rate(report.accepted),
        },
        "answered_on_time": {
            "on_time": report.answered[0],
            "counted": report.answered[1],
            "rate": _rate(report.answered),
        },
        "first_reply_working_hours": {
            "median": report.first_reply_hours[0],
            "p90": report.first_reply_hours[1],
        },
        "close_working_hours": {"median": report.close_hours[0], "p90": report.close_hours[1]},
        "ratings": {str(k): v for k, v in report.ratings.items()},
        "satisfaction": {
            "satisfied": report.satisfied[0],
            "ratings": report.satisfied[1],
            "rate": _rate(report.satisfied),
        },
        "staff": report.staff,
        "bot_answered_weekly": [
            {"week": week, "answered_without_ticket": a, "questions": q, "share": _rate((a, q))}
            for week, (a, q) in report.weekly
        ],
        "bot_answered": {
            "answered_without_ticket": report.bot_answered[0],
            "questions": report.bot_answered[1],
            "share": _rate(report.bot_answered),
        },
        "answer_votes_all_time": report.votes,
        "top_unanswered": [
            {"question": mask_pii(text), "count": n, "tickets": numbers}
            for text, n, numbers in report.unanswered
        ],
    }


def report_text(report: Report, *, short: bool = False) -> str:
    """The report as staff read it (Chinese); `short`: the /stats form for the group."""

    def pct(pair: tuple[int, int]) -> str:
        rate = _rate(pair)
        return "—" if rate is None else f"{rate:.0%}（{pair[0]}/{pair[1]}）"

    def hours(pair: tuple[float | None, float | None]) -> str:
        if pair[0] is None or pair[1] is None:
            return "—"
        return f"{stats_label('median')} {pair[0]:.1f} · P90 {pair[1]:.1f}"

    total = sum(report.by_status.values())
    lines = [
        f"{stats_label('title')} {report.span.name}",
        f"{stats_label('tickets')}：{total}（"
        + "，".join(f"{status_label(s)} {n}" for s, n in report.by_status.items())
        + "）",
    ]
    if not short:
        lines.append(
            f"{stats_label('by_category')}："
            + "，".join(f"{category_label(c)} {n}" for c, n in report.by_category.items())
        )
    lines += [
        f"{stats_label('accepted')}：{pct(report.accepted)}",
        f"{stats_label('answered')}：{pct(report.answered)}",
        f"{stats_label('first_reply')}：{hours(report.first_reply_hours)}",
        f"{stats_label('close')}：{hours(report.close_hours)}",
        f"{stats_label('satisfaction')}：{pct(report.satisfied)}",
        f"{stats_label('bot_answered')}：{pct(report.bot_answered)}",
    ]
    if short:
        lines.append(stats_label("more"))
        return "\n".join(lines)
    lines.append(
        f"{stats_label('ratings')}："
        + "，".join(f"{rating_label(r)} {n}" for r, n in report.ratings.items())
    )
    lines.append(f"{stats_label('staff')}：")
    for name, kinds in report.staff.items():
        done = "，".join(f"{stats_label(k)} {n}" for k, n in sorted(kinds.items()))
        lines.append(f"  {name}：{done}")
    if not report.staff:
        lines.append("  —")
    lines.append(f"{stats_label('unanswered')}：")
    for text, n, numbers in report.unanswered:
        refs = " ".join(f"#{x}" for x in numbers[:5])
        lines.append(f"  {n} × {mask_pii(text)[:40]}（{refs}）")
    if not report.unanswered:
        lines.append("  —")
    lines.append(f"{stats_label('bot_answered_weekly')}：")
    lines += [f"  {week}：{pct(counts)}" for week, counts in report.weekly]
    up, down = report.votes.get("up", 0), report.votes.get("down", 0)
    lines.append(f"{stats_label('votes')}：👍 {up} · 👎 {down}")
    return "\n".join(lines)
