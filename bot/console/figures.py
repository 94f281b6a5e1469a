"""The stats page's figures for a period: tickets per day by category, time to first reply in
working time (a distribution), the share of questions the bot answered per week, the top
unanswered question groups (similar wordings, as /stats groups them), and the 好差评 given."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.console.workflow import Workflow
from bot.helpdesk.stats import bot_answered, group_similar
from bot.privacy import mask_pii
from bot.store.console import TicketFigure
from bot.store.interface import TicketStore
from bot.store.model import CATEGORIES, RATINGS

# Upper bounds of the time-to-first-reply buckets, in working hours (a working day is the
# working periods' length, 7 h by default); the last bucket is open.
BUCKETS = ("b_1h", "b_4h", "b_1d", "b_3d", "b_more")
TOP_GROUPS = 10
EXAMPLE_LENGTH = 60


@dataclass(frozen=True)
class Figures:
    since: datetime
    until: datetime
    days: list[date]
    per_day: dict[date, dict[str, int]]  # day → category → tickets
    reply_buckets: list[tuple[str, int]]  # (bucket key, tickets), BUCKETS order
    no_reply: int
    median_first_reply: timedelta | None  # working time
    weeks: list[tuple[date, int, int]]  # (Monday, answered without a ticket, all questions)
    groups: list[tuple[str, int, list[int]]]  # (masked wording, how many, ticket numbers)
    tickets: int
    answered: int
    ratings: dict[int, int]  # 好差评 given in the period: rating (5 best … 1) → how many


def local_day(moment: datetime, workflow: Workflow) -> date:
    return moment.astimezone(workflow.limits.hours.zone).date()


async def figures(
    store: TicketStore, workflow: Workflow, since: datetime, until: datetime
) -> Figures:
    tickets = await store.ticket_figures(since, until)
    weeks = await _weeks(store, workflow, since, until)
    first_day, last_day = local_day(since, workflow), local_day(until, workflow)
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    per_day: dict[date, dict[str, int]] = {day: dict.fromkeys(CATEGORIES, 0) for day in days}
    for ticket in tickets:
        per_day.setdefault(local_day(ticket.created_at, workflow), dict.fromkeys(CATEGORIES, 0))[
            ticket.category
        ] += 1
    waits = [
        workflow.working_time(t.created_at, t.first_reply_at)
        for t in tickets
        if t.first_reply_at is not None
    ]
    median = (
        timedelta(seconds=statistics.median(w.total_seconds() for w in waits)) if waits else None
    )
    return Figures(
        since=since,
        until=until,
        days=days,
        per_day=per_day,
        reply_buckets=_buckets(waits, _day_length(workflow)),
        no_reply=sum(1 for t in tickets if t.first_reply_at is None),
        median_first_reply=median,
        weeks=weeks,
        groups=_groups(tickets),
        tickets=len(tickets),
        answered=sum(a for _, a, _ in weeks),
        ratings=await _ratings(store, since, until),
    )


async def _ratings(store: TicketStore, since: datetime, until: datetime) -> dict[int, int]:
    given = Counter(r.rating for r in await store.ratings(since=since, until=until))
    return {rating: given[rating] for rating in RATINGS} if given else {}


def _day_length(workflow: Workflow) -> timedelta:
    start = datetime(2026, 1, 5)  # any day: the working periods are the same every day
    return sum((b - a for a, b in workflow.limits.hours.on(start.date())), start=timedelta())


def _buckets(waits: list[timedelta], day: timedelta) -> list[tuple[str, int]]:
    bounds = (timedelta(hours=1), timedelta(hours=4), day, 3 * day)
    counts = Counter(
        next((i for i, bound in enumerate(bounds) if wait <= bound), len(bounds)) for wait in waits
    )
    return [(key, counts.get(i, 0)) for i, key in enumerate(BUCKETS)]


async def _weeks(
    store: TicketStore, workflow: Workflow, since: datetime, until: datetime
) -> list[tuple[date, int, int]]:
    """For each week (from Monday, local time) the period touches, the helpdesk's answered
    share (`bot_answered`: answered without becoming a ticket, all questions), within the
    period."""
    zone = workflow.limits.hours.zone
    first = local_day(since, workflow)
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while (start := datetime.combine(monday, time(), zone)) < until:
        end = start + timedelta(days=7)
        answered, questions = await bot_answered(store, max(start, since), min(end, until))
        weeks.append((monday, answered, questions))
        monday += timedelta(days=7)
    return weeks


def _groups(tickets: list[TicketFigure]) -> list[tuple[str, int, list[int]]]:
    """The unanswered questions grouped as /stats groups them (similar first lines), largest
    first: (the first wording, masked; how many; their ticket numbers)."""
    questions = [(t.number, _first_line(t.text)) for t in tickets if t.category == "unanswered"]
    return group_similar(questions)[:TOP_GROUPS]


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return mask_pii(lines[0] if lines else "")[:EXAMPLE_LENGTH]
