"""Staff queues and search: a filter word (`/tickets mine`, `tickets list 未分配`, `due`, a
status or its label as lists print it) and the search options turned into a `TicketQuery`;
`find` runs it and gives each ticket its time limits (`due` and `overdue` are chosen by them:
due soon or overdue now, most urgent first)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.helpdesk.deadlines import Rules, Timing, timings
from bot.store.interface import TicketStore
from bot.store.model import STATUSES, Ticket, TicketQuery
from bot.words import STATUS_LABELS

WORK_QUEUE = ("open", "claimed")  # not yet answered by staff
NOT_CLOSED = ("open", "claimed", "answered")
# queue → the words that name it (English, Chinese)
QUEUES: dict[str, tuple[str, ...]] = {
    "all": ("all", "全部"),
    "mine": ("mine", "我的"),
    "unassigned": ("unassigned", "未分配"),
    "due": ("due", "即将超时"),
    "overdue": ("overdue", "已超时"),
    "rated-bad": ("rated-bad", "差评"),
}
# The states a due-time queue lists (due: within the due-soon margin, overdue: past it).
DUE_QUEUES = {"due": ("due_soon",), "overdue": ("overdue",)}


class UnknownQueueError(ValueError):
    """Raised when a filter word names no queue and no status."""


def queue_name(word: str) -> str | None:
    """The queue or status a word names (any case; status labels in either language)."""
    folded = word.strip().casefold()
    for queue, names in QUEUES.items():
        if folded in names:
            return queue
    for status, labels in STATUS_LABELS.items():
        if folded == status or folded in (label.casefold() for label in labels):
            return status
    return None


def queue_query(word: str, actor: str, base: TicketQuery | None = None) -> TicketQuery:
    """The query for a filter word ("": the work queue, oldest first); `base` carries the
    other options (search text, resident, dates, sort, limit)."""
    query = base or TicketQuery()
    if not word.strip():
        return replace(query, statuses=query.statuses or WORK_QUEUE)
    name = queue_name(word)
    if name is None:
        raise UnknownQueueError(word)
    if name in DUE_QUEUES:
        return replace(query, statuses=query.statuses or NOT_CLOSED)
    if name == "rated-bad":
        return replace(query, rated_bad=True)
    if name == "all":
        return replace(query, statuses=())
    if name == "mine":
        return replace(query, assignee=actor, statuses=query.statuses or NOT_CLOSED)
    if name == "unassigned":
        return replace(query, unassigned=True, statuses=query.statuses or NOT_CLOSED)
    assert name in STATUSES
    return replace(query, statuses=(name,))


async def find(
    store: TicketStore, rules: Rules, word: str, query: TicketQuery, now: datetime
) -> list[tuple[Ticket, Timing]]:
    """The tickets of a queue (`word` as for `queue_query`, already applied to `query`), each
    with its time limits; `due` and `overdue` keep only the tickets in that state now."""
    name = queue_name(word) if word.strip() else None
    states = DUE_QUEUES.get(name or "")
    found = await store.search(replace(query, limit=None) if states else query)
    times = await timings(store, rules, found)
    pairs = [(t, times[t.number]) for t in found]
    if states is None:
        return pairs
    chosen = [(t, tm) for t, tm in pairs if tm.state(rules, now) in states]
    chosen.sort(key=lambda pair: _watched_due(pair[1]))
    return chosen[: query.limit] if query.limit is not None else chosen


def _watched_due(times: Timing) -> datetime:
    watched = times.next_due()
    return watched.due if watched is not None else times.answer.due
