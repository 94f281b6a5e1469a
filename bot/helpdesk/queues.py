"""Staff queues and search: a filter word (`/tickets mine`, `tickets list 未分配`, a status or
its label as lists print it) and the search options turned into a `TicketQuery`."""

from __future__ import annotations

from dataclasses import replace

from bot.store.model import STATUSES, TicketQuery
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
# TODO(issue 16, workdays and ratings): due / overdue need the working-day due times, and
# rated-bad the 好差评 ratings; until the store has them these answer with an explanation.
NOT_READY = ("due", "overdue", "rated-bad")


class UnknownQueueError(ValueError):
    """Raised when a filter word names no queue and no status."""


class QueueNotReadyError(LookupError):
    """Raised for a queue whose data the store does not hold yet (due, overdue, rated-bad)."""

    def __init__(self, queue: str) -> None:
        super().__init__(queue)
        self.queue = queue


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
    if name in NOT_READY:
        raise QueueNotReadyError(name)
    if name == "all":
        return replace(query, statuses=())
    if name == "mine":
        return replace(query, assignee=actor, statuses=query.statuses or NOT_CLOSED)
    if name == "unassigned":
        return replace(query, unassigned=True, statuses=query.statuses or NOT_CLOSED)
    assert name in STATUSES
    return replace(query, statuses=(name,))
