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
OPEN_STATUSES: tuple[TicketStatus, ...] = ("open", "claimed", "answered")  # not closed yet


class InvalidTransitionError(ValueError):
    """Raised when a ticket cannot make the requested change (e.g. replying to a closed one)."""


class ClaimedByOtherError(InvalidTransitionError):
    """Raised when a ticket another staff member holds is claimed without taking it over."""

    def __init__(self, number: int, holder: str) -> None:
        super().__init__(f"ticket #{number} is held by {holder}; take it over to claim it")
        self.number = number
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
    if kind == "reopened":
        if not closed:
            raise InvalidTransitionError(f"ticket #{ticket.number} is {ticket.status}, not closed")
        return "claimed" if ticket.assignee else "open"
    if kind == "resident_followup" and closed:
        return "closed"  # kept with the ticket (staff are told); staff decide whether to reopen
    if closed:
        raise InvalidTransitionError(f"ticket #{ticket.number} is closed; reopen it first")
    if kind == "claimed":
        return "claimed"
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
