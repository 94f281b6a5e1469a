"""Tickets as plain data: categories, statuses, what a ticket holds, and how its status moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

TicketCategory = Literal["unanswered", "cross-district", "human-request", "feedback", "report"]
TicketStatus = Literal["open", "claimed", "answered", "closed"]
CATEGORIES: tuple[TicketCategory, ...] = (
    "unanswered",
    "cross-district",
    "human-request",
    "feedback",
    "report",
)
STATUSES: tuple[TicketStatus, ...] = ("open", "claimed", "answered", "closed")
# Stored at the start of a take-over's event text, before the previous holder (data, not a
# message: histories written since the first release begin with it).
TAKEN_FROM = "接手，原负责人 "
OPEN_STATUSES: tuple[TicketStatus, ...] = ("open", "claimed", "answered")  # not closed yet


class InvalidTransitionError(ValueError):
    """Raised when a ticket cannot make the requested change (e.g. replying to a closed one).

    `reason` says why, for wording in the staff's language: "closed" (reopen it first),
    "not_closed" (only a closed ticket reopens), "not_assigned" (nothing to release); `status`
    is the ticket's status then. The message itself is English, for logs and the CLI."""

    def __init__(self, number: int, reason: str, status: str, message: str) -> None:
        super().__init__(message)
        self.number = number
        self.reason = reason
        self.status = status


class ClaimedByOtherError(InvalidTransitionError):
    """Raised when a ticket another staff member holds is claimed without taking it over."""

    def __init__(self, number: int, holder: str) -> None:
        message = f"ticket #{number} is held by {holder}; take it over to claim it"
        super().__init__(number, "held", "claimed", message)
        self.holder = holder


@dataclass(frozen=True)
class NewTicket:
    """What a resident's message turns into; `idempotency_key` makes a redelivery harmless."""

    user_id: int
    chat_id: int
    channel: str
    category: TicketCategory
    text: str
    name: str = ""
    language: str = "zh"
    candidates: tuple[tuple[str, float], ...] = ()  # the matcher's top (entry id, score)
    attachments: tuple[str, ...] = ()
    phone: str | None = None
    idempotency_key: str | None = None
    answer_id: int | None = None  # the answer it came from (👎, 转人工, 都不是), if any


@dataclass(frozen=True)
class Ticket:
    number: int
    created_at: datetime
    updated_at: datetime
    user_id: int
    chat_id: int
    name: str
    language: str
    channel: str
    category: TicketCategory
    text: str
    candidates: tuple[tuple[str, float], ...]
    status: TicketStatus
    assignee: str | None
    phone: str | None
    attachments: tuple[str, ...]
    last_staff_reply: str | None
    # channel:chat:message (+ ":button:ref" when a tap filed it, e.g. ":none:7" for 都不是)
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Event:
    ticket_number: int
    kind: str
    actor: str
    at: datetime
    text: str


@dataclass(frozen=True)
class Stats:
    by_status: dict[str, int]
    by_category: dict[str, int]
    median_first_reply: timedelta | None  # over tickets that have a staff reply
    replied: int
    feedback: dict[str, int]


def next_status(ticket: Ticket, kind: str) -> TicketStatus:
    """The status after an event, or InvalidTransitionError when it makes no sense now."""
    closed = ticket.status == "closed"
    number, status = ticket.number, ticket.status
    if kind == "reopened":
        if not closed:
            raise InvalidTransitionError(
                number, "not_closed", status, f"ticket #{number} is {status}, not closed"
            )
        return "claimed" if ticket.assignee else "open"
    if kind in ("note", "notice_failed", "rated", "rating_comment", "followed_up") or (
        kind == "resident_followup" and closed
    ):
        # A note or a follow-up after closing is kept with the ticket and changes nothing;
        # staff decide whether to reopen.
        return status
    if closed:
        raise InvalidTransitionError(
            number, "closed", status, f"ticket #{number} is closed; reopen it first"
        )
    if kind in ("claimed", "assigned"):
        return "claimed" if status == "open" else status
    if kind == "released":
        if ticket.assignee is None:
            raise InvalidTransitionError(
                number, "not_assigned", status, f"ticket #{number} is not assigned to anyone"
            )
        return "open" if status == "claimed" else status
    if kind == "staff_reply":
        return "answered"
    if kind == "closed":
        return "closed"
    if kind == "resident_followup":
        # The resident added something: it needs staff attention again.
        return (
            ticket.status
            if ticket.status != "answered"
            else ("claimed" if ticket.assignee else "open")
        )
    raise ValueError(f"unknown event kind {kind!r}")


SORTS = ("newest", "oldest", "updated")  # newest / oldest created first, or last changed first


@dataclass(frozen=True)
class TicketQuery:
    """Which tickets to list: every filter given must hold; `text` is searched in the question,
    the residents' follow-ups and the staff replies (case-insensitive for Latin letters)."""

    statuses: tuple[str, ...] = ()
    category: str | None = None
    assignee: str | None = None  # an actor, e.g. "staff:42"
    unassigned: bool = False
    text: str | None = None
    user_id: int | None = None
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    sort: str = "newest"  # one of SORTS; "updated": most recently changed first
    limit: int | None = None
    offset: int = 0  # with `limit`: skip this many first (a page of a long list)
    rated_bad: bool = False  # a bad rating whose follow-up is not recorded yet


@dataclass(frozen=True)
class Snippet:
    """A saved standard reply (答复口径) staff send by name."""

    name: str
    text: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class StaffMember:
    """A staff member as Telegram last showed them (name, @username)."""

    user_id: int
    name: str
    username: str | None


# 好差评: the five levels, best first; 不满意 and 非常不满意 are bad ratings.
RATINGS = (5, 4, 3, 2, 1)
BAD_RATING = 2  # this rating or lower opens a follow-up task
# What marks a ticket accepted: the first of these done by staff (not by the resident).
ACCEPT_KINDS = ("claimed", "assigned", "staff_reply", "closed")


class AlreadyRatedError(ValueError):
    """Raised when a ticket that has a rating is rated again (a rating is given once)."""


class NotRatedBadError(LookupError):
    """Raised when a follow-up is recorded on a ticket that has no bad rating."""


@dataclass(frozen=True)
class Milestones:
    """When a ticket's limits were met: first staff action, first staff reply, last close."""

    accepted_at: datetime | None = None
    first_reply_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None


@dataclass(frozen=True)
class Rating:
    """A resident's 好差评 of a closed ticket, and the follow-up of a bad one."""

    ticket_number: int
    user_id: int
    rating: int  # 5 非常满意 … 1 非常不满意
    comment: str | None
    rated_at: datetime
    follow_up_due_at: datetime | None  # bad ratings only
    followed_up_at: datetime | None = None
    followed_up_by: str | None = None
    follow_up: str | None = None

    @property
    def bad(self) -> bool:
        return self.rating <= BAD_RATING


PROPOSAL_KINDS = ("wording", "entry")  # a new wording for an existing entry, or a new entry
PROPOSAL_ORIGINS = ("ticket", "none-of-these", "thumbs-down")


@dataclass(frozen=True)
class NewProposal:
    """A proposed change to the knowledge base, before it is stored; `change` and `checks` are
    JSON text owned by `bot.learning`."""

    kind: str
    origin: str
    ticket_number: int | None
    entry_id: str
    change: str
    author: str
    checks: str = ""


@dataclass(frozen=True)
class Proposal:
    """A stored proposal, with the second person's decision once made."""

    number: int
    kind: str
    origin: str
    ticket_number: int | None
    entry_id: str
    change: str
    checks: str
    status: str  # open, approved, rejected
    author: str
    created_at: datetime
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    why: str = ""
