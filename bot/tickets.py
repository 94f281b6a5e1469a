"""The ticket store: tickets, their history, the outbox and chat state, behind a Protocol.

`SQLiteTicketStore` is the embedded implementation (aiosqlite, WAL, versioned migrations); a
server database can slot in later by implementing `TicketStore`.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.chat_state import AnswerNotFoundError, AnswerRecord, ChatState, StateStore
from bot.database import StoreBusyError, TicketNotFound, from_text, to_text
from bot.messages import Choice
from bot.outbox import OutboxMessage, OutboxStore

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


class InvalidTransitionError(ValueError):
    """Raised when a ticket cannot make the requested change (e.g. replying to a closed one)."""


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


class TicketStore(Protocol):
    """What the engine, the CLI and the transports need from storage."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    def transaction(self) -> AbstractAsyncContextManager[None]: ...

    async def create_ticket(self, new: NewTicket, at: datetime) -> tuple[Ticket, bool]: ...
    async def ticket(self, number: int) -> Ticket: ...
    async def tickets(
        self,
        *,
        statuses: tuple[str, ...] = (),
        category: str | None = None,
        created_before: datetime | None = None,
        channel: str | None = None,
        user_id: int | None = None,
        idempotency_key: str | None = None,
        limit: int | None = None,
    ) -> list[Ticket]: ...
    async def events(self, number: int) -> list[Event]: ...
    async def count_tickets(
        self, channel: str, user_id: int, *, open_only: bool, since: datetime | None = None
    ) -> int: ...
    async def claim(self, number: int, actor: str, at: datetime) -> Ticket: ...
    async def staff_reply(self, number: int, actor: str, text: str, at: datetime) -> Ticket: ...
    async def close_ticket(self, number: int, actor: str, note: str, at: datetime) -> Ticket: ...
    async def reopen(self, number: int, actor: str, at: datetime) -> Ticket: ...
    async def add_followup(
        self, number: int, actor: str, text: str, attachments: tuple[str, ...], at: datetime
    ) -> Ticket: ...
    async def stats(self) -> Stats: ...
    async def purge(self, closed_before: datetime) -> int: ...

    async def load_state(self, channel: str, chat_id: int) -> ChatState: ...
    async def save_state(self, state: ChatState, at: datetime) -> None: ...
    async def record_answer(
        self,
        channel: str,
        chat_id: int,
        user_id: int,
        question: str,
        entry_id: str | None,
        candidates: tuple[tuple[str, float], ...],
        at: datetime,
    ) -> int: ...
    async def answer(self, ref: int, channel: str, chat_id: int) -> AnswerRecord: ...
    async def record_feedback(self, ref: int, vote: str, actor: str, at: datetime) -> None: ...

    async def enqueue(
        self,
        chat_id: int,
        text: str,
        *,
        choices: tuple[tuple[Choice, ...], ...] = (),
        photo: str | None = None,
        kind: str,
        ticket_number: int | None = None,
        dedupe_key: str | None = None,
        channel: str = "telegram",
        at: datetime | None = None,
    ) -> int | None: ...
    async def due_messages(
        self,
        now: datetime,
        limit: int = 50,
        *,
        channel: str = "telegram",
        chat_id: int | None = None,
    ) -> list[OutboxMessage]: ...
    async def mark_sent(self, outbox_id: int, sent_message_id: int | None) -> None: ...
    async def mark_retry(self, outbox_id: int, error: str, next_attempt_at: datetime) -> None: ...
    async def ticket_for_staff_message(self, chat_id: int, message_id: int) -> int: ...


TICKET_SELECT = """
SELECT t.*,
  (SELECT group_concat(file_ref, char(10)) FROM attachments a WHERE a.ticket_number = t.number)
    AS files,
  (SELECT e.text FROM events e WHERE e.ticket_number = t.number AND e.kind = 'staff_reply'
    ORDER BY e.id DESC LIMIT 1) AS last_staff_reply
FROM tickets t
"""


class SQLiteTicketStore(OutboxStore, StateStore):
    """The embedded store: one SQLite file in WAL mode."""

    async def create_ticket(self, new: NewTicket, at: datetime) -> tuple[Ticket, bool]:
        """File a ticket with its `created` event; return (ticket, True), or the ticket this
        idempotency key already made and False."""
        async with self.transaction():
            if new.idempotency_key is not None:
                row = await self.row(
                    "SELECT number FROM tickets WHERE idempotency_key = ?", (new.idempotency_key,)
                )
                if row is not None:
                    return await self.ticket(row["number"]), False
            when = to_text(at)
            number = await self.execute(
                "INSERT INTO tickets (created_at, updated_at, user_id, chat_id, name, language,"
                " channel, category, text, candidates, phone, idempotency_key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    when,
                    when,
                    new.user_id,
                    new.chat_id,
                    new.name,
                    new.language,
                    new.channel,
                    new.category,
                    new.text,
                    json.dumps(new.candidates),
                    new.phone,
                    new.idempotency_key,
                ),
            )
            await self._add_event(number, "created", f"user:{new.user_id}", at, new.category)
            await self._attach(number, new.attachments, at)
            return await self.ticket(number), True

    async def ticket(self, number: int) -> Ticket:
        row = await self.row(TICKET_SELECT + " WHERE t.number = ?", (number,))
        if row is None:
            raise TicketNotFound(f"ticket #{number} does not exist")
        return _ticket(row)

    async def tickets(
        self,
        *,
        statuses: tuple[str, ...] = (),
        category: str | None = None,
        created_before: datetime | None = None,
        channel: str | None = None,
        user_id: int | None = None,
        idempotency_key: str | None = None,
        limit: int | None = None,
    ) -> list[Ticket]:
        """Tickets matching every filter given, newest first."""
        where: list[str] = []
        params: list[object] = []
        if statuses:
            where.append(f"t.status IN ({', '.join('?' for _ in statuses)})")
            params.extend(statuses)
        equal: dict[str, object] = {
            "t.category": category,
            "t.channel": channel,
            "t.user_id": user_id,
            "t.idempotency_key": idempotency_key,
        }
        for column, value in equal.items():
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if created_before is not None:
            where.append("t.created_at <= ?")
            params.append(to_text(created_before))
        sql = TICKET_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY t.number DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_ticket(row) for row in await self.rows(sql, params)]

    async def events(self, number: int) -> list[Event]:
        await self.ticket(number)
        rows = await self.rows(
            "SELECT * FROM events WHERE ticket_number = ? ORDER BY id", (number,)
        )
        return [
            Event(
                row["ticket_number"], row["kind"], row["actor"], from_text(row["at"]), row["text"]
            )
            for row in rows
        ]

    async def count_tickets(
        self, channel: str, user_id: int, *, open_only: bool, since: datetime | None = None
    ) -> int:
        sql = "SELECT COUNT(*) AS n FROM tickets WHERE channel = ? AND user_id = ?"
        params: list[object] = [channel, user_id]
        if open_only:
            sql += " AND status != 'closed'"
        if since is not None:
            sql += " AND created_at >= ?"
            params.append(to_text(since))
        row = await self.row(sql, params)
        return int(row["n"]) if row else 0

    async def claim(self, number: int, actor: str, at: datetime) -> Ticket:
        return await self._change(number, "claimed", actor, "", at, assignee=actor)

    async def staff_reply(self, number: int, actor: str, text: str, at: datetime) -> Ticket:
        return await self._change(number, "staff_reply", actor, text, at, assignee=actor)

    async def close_ticket(self, number: int, actor: str, note: str, at: datetime) -> Ticket:
        return await self._change(number, "closed", actor, note, at)

    async def reopen(self, number: int, actor: str, at: datetime) -> Ticket:
        return await self._change(number, "reopened", actor, "", at)

    async def add_followup(
        self, number: int, actor: str, text: str, attachments: tuple[str, ...], at: datetime
    ) -> Ticket:
        async with self.transaction():
            await self._change(number, "resident_followup", actor, text, at)
            await self._attach(number, attachments, at)
            return await self.ticket(number)

    async def stats(self) -> Stats:
        by_status: dict[str, int] = dict.fromkeys(STATUSES, 0)
        by_category: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
        for row in await self.rows("SELECT status, category FROM tickets"):
            by_status[row["status"]] += 1
            by_category[row["category"]] += 1
        rows = await self.rows(
            "SELECT t.created_at, MIN(e.at) AS first_reply FROM tickets t"
            " JOIN events e ON e.ticket_number = t.number AND e.kind = 'staff_reply'"
            " GROUP BY t.number"
        )
        waits = [from_text(r["first_reply"]) - from_text(r["created_at"]) for r in rows]
        median = (
            timedelta(seconds=statistics.median(w.total_seconds() for w in waits))
            if waits
            else None
        )
        return Stats(by_status, by_category, median, len(waits), await self.feedback_counts())

    async def purge(self, closed_before: datetime) -> int:
        """Delete closed tickets last changed before the cutoff, with their history, and answers
        older than it; return how many tickets went."""
        cutoff = to_text(closed_before)
        async with self.transaction():
            row = await self.row(
                "SELECT COUNT(*) AS n FROM tickets WHERE status = 'closed' AND updated_at < ?",
                (cutoff,),
            )
            await self.execute(
                "DELETE FROM tickets WHERE status = 'closed' AND updated_at < ?", (cutoff,)
            )
            await self.execute("DELETE FROM answers WHERE created_at < ?", (cutoff,))
        return int(row["n"]) if row else 0

    async def _change(
        self,
        number: int,
        kind: str,
        actor: str,
        text: str,
        at: datetime,
        *,
        assignee: str | None = None,
    ) -> Ticket:
        async with self.transaction():
            ticket = await self.ticket(number)
            status = _next_status(ticket, kind)
            await self.execute(
                "UPDATE tickets SET status = ?, updated_at = ?,"
                " assignee = COALESCE(assignee, ?) WHERE number = ?"
                if kind != "claimed"
                else "UPDATE tickets SET status = ?, updated_at = ?, assignee = ? WHERE number = ?",
                (status, to_text(at), assignee, number),
            )
            await self._add_event(number, kind, actor, at, text)
            return await self.ticket(number)

    async def _add_event(self, number: int, kind: str, actor: str, at: datetime, text: str) -> None:
        await self.execute(
            "INSERT INTO events (ticket_number, kind, actor, at, text) VALUES (?, ?, ?, ?, ?)",
            (number, kind, actor, to_text(at), text),
        )

    async def _attach(self, number: int, files: tuple[str, ...], at: datetime) -> None:
        for file_ref in files:
            await self.execute(
                "INSERT INTO attachments (ticket_number, file_ref, added_at) VALUES (?, ?, ?)",
                (number, file_ref, to_text(at)),
            )


def _next_status(ticket: Ticket, kind: str) -> TicketStatus:
    """The status after an event, or InvalidTransitionError when it makes no sense now."""
    closed = ticket.status == "closed"
    if kind == "reopened":
        if not closed:
            raise InvalidTransitionError(f"ticket #{ticket.number} is {ticket.status}, not closed")
        return "claimed" if ticket.assignee else "open"
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


def _ticket(row: sqlite3.Row) -> Ticket:
    return Ticket(
        number=row["number"],
        created_at=from_text(row["created_at"]),
        updated_at=from_text(row["updated_at"]),
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        name=row["name"],
        language=row["language"],
        channel=row["channel"],
        category=row["category"],
        text=row["text"],
        candidates=tuple((str(e), float(s)) for e, s in json.loads(row["candidates"])),
        status=row["status"],
        assignee=row["assignee"],
        phone=row["phone"],
        attachments=tuple(row["files"].split("\n")) if row["files"] else (),
        last_staff_reply=row["last_staff_reply"],
    )


__all__ = [
    "CATEGORIES",
    "STATUSES",
    "AnswerNotFoundError",
    "AnswerRecord",
    "ChatState",
    "Event",
    "InvalidTransitionError",
    "NewTicket",
    "OutboxMessage",
    "SQLiteTicketStore",
    "Stats",
    "StoreBusyError",
    "Ticket",
    "TicketNotFound",
    "TicketStore",
]
