"""The outbox: messages for other chats, written in the same transaction as the change they
report, and drained by a transport (the Telegram dispatcher, the terminal chat)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from bot.messages import Choice
from bot.store.database import Database, TicketNotFound, to_text, utcnow

DUE_AT_ONCE = "1970-01-01T00:00:00.000000+00:00"
# "assignee_notice": a private message telling a staff member a ticket was assigned to them.
OUTBOX_KINDS = ("staff_post", "to_resident", "staff_notice", "reply", "assignee_notice")


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    chat_id: int
    text: str
    choices: tuple[tuple[Choice, ...], ...]
    photo: str | None  # a file reference to send as a photo (text becomes the caption)
    kind: str  # one of OUTBOX_KINDS
    ticket_number: int | None
    attempts: int
    channel: str = "telegram"  # which transport delivers it: "telegram" | "terminal"


def choices_to_json(choices: tuple[tuple[Choice, ...], ...]) -> str:
    return json.dumps([[[c.label, c.data] for c in row] for row in choices], ensure_ascii=False)


def choices_from_json(text: str) -> tuple[tuple[Choice, ...], ...]:
    return tuple(tuple(Choice(label, data) for label, data in row) for row in json.loads(text))


class OutboxStore(Database):
    """The outbox part of the SQLite store."""

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
    ) -> int | None:
        """Queue a message; return its id, or None when `dedupe_key` is already queued."""
        if kind not in OUTBOX_KINDS:
            raise ValueError(f"unknown outbox kind {kind!r}")
        when = to_text(at or utcnow())
        # A new message is due at once, whatever clock the dispatcher runs on.
        async with self.transaction():
            cursor = await self.db.execute(
                "INSERT INTO outbox (channel, chat_id, text, choices, photo, kind, ticket_number,"
                " dedupe_key, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (dedupe_key) DO NOTHING",
                (
                    channel,
                    chat_id,
                    text,
                    choices_to_json(choices),
                    photo,
                    kind,
                    ticket_number,
                    dedupe_key,
                    when,
                    DUE_AT_ONCE,
                ),
            )
            inserted = cursor.rowcount
            row_id = cursor.lastrowid
            await cursor.close()
        return int(row_id) if inserted and row_id else None

    async def due_messages(
        self,
        now: datetime,
        limit: int = 50,
        *,
        channel: str = "telegram",
        chat_id: int | None = None,
        skip_chats: Collection[int] = (),
    ) -> list[OutboxMessage]:
        """Unsent messages whose next attempt is due, oldest first (none for `skip_chats`:
        chats the dispatcher is still sending to, so one busy chat never hides the others)."""
        sql = "SELECT * FROM outbox WHERE sent_at IS NULL AND channel = ? AND next_attempt_at <= ?"
        params: list[object] = [channel, to_text(now)]
        if chat_id is not None:
            sql += " AND chat_id = ?"
            params.append(chat_id)
        if skip_chats:
            sql += " AND chat_id NOT IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(sorted(skip_chats)))
        rows = await self.rows(sql + " ORDER BY id LIMIT ?", [*params, limit])
        return [_message(row) for row in rows]

    async def mark_sent(self, message: OutboxMessage | int, sent_message_id: int | None) -> None:
        """Record delivery; for a staff post (or a notice about one ticket) also remember which
        ticket that message is, so a staff reply to it answers the resident.

        The dispatcher passes the message it sent (no read needed: a reply is marked in one
        statement); others may pass its id.
        """
        if isinstance(message, int):
            row = await self.row("SELECT * FROM outbox WHERE id = ?", (message,))
            if row is None:
                raise LookupError(f"no outbox message {message}")
            message = _message(row)
        mark = (
            "UPDATE outbox SET sent_at = ?, sent_message_id = ? WHERE id = ?",
            (to_text(utcnow()), sent_message_id, message.id),
        )
        if (
            message.kind not in ("staff_post", "staff_notice", "assignee_notice")
            or sent_message_id is None
            or message.ticket_number is None
        ):
            await self.execute(*mark)
            return
        async with self.transaction():
            await self.execute(*mark)
            await self.execute(
                "INSERT OR REPLACE INTO staff_posts (chat_id, message_id, ticket_number)"
                " VALUES (?, ?, ?)",
                (message.chat_id, sent_message_id, message.ticket_number),
            )

    async def mark_retry(self, outbox_id: int, error: str, next_attempt_at: datetime) -> None:
        await self.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
            " WHERE id = ?",
            (error[:500], to_text(next_attempt_at), outbox_id),
        )

    async def ticket_for_resident_message(self, chat_id: int, message_id: int) -> int:
        """The ticket a message sent to a resident was about (a staff reply, a closing
        notice); raises TicketNotFound for any other message."""
        row = await self.row(
            "SELECT ticket_number FROM outbox WHERE chat_id = ? AND sent_message_id = ?"
            " AND kind = 'to_resident' AND ticket_number IS NOT NULL",
            (chat_id, message_id),
        )
        if row is None:
            raise TicketNotFound(f"message {message_id} in chat {chat_id} is not about a ticket")
        return int(row["ticket_number"])

    async def ticket_for_staff_message(self, chat_id: int, message_id: int) -> int:
        """The ticket whose staff post is this message; raises TicketNotFound otherwise."""
        row = await self.row(
            "SELECT ticket_number FROM staff_posts WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )
        if row is None:
            raise TicketNotFound(f"message {message_id} in chat {chat_id} is not a ticket post")
        return int(row["ticket_number"])


def _message(row: sqlite3.Row) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        chat_id=row["chat_id"],
        text=row["text"],
        choices=choices_from_json(row["choices"]),
        photo=row["photo"],
        kind=row["kind"],
        ticket_number=row["ticket_number"],
        attempts=row["attempts"],
        channel=row["channel"],
    )
