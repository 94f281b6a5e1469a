"""The outbox: messages for other chats, written in the same transaction as the change they
report, and drained by a transport (the Telegram dispatcher, the terminal chat).

The Telegram dispatcher claims the messages it sends (`claim_messages`: an owner, the replica,
and a lease), so several replicas on one database drain it together without sending a message
twice or one chat's messages out of order: a claim skips a chat while another owner holds one
of its earlier messages under a live lease, and a dead replica's claims pass to the others when
their lease runs out (at once when it restarts under the same name). On SQLite, which one
process uses, claiming is reading: the dispatcher takes no write lock to look at the outbox.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.messages import Choice
from bot.store.database import TicketNotFound, to_text, utcnow
from bot.store.sql import Row, SQLDatabase

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


class OutboxStore(SQLDatabase):
    """The outbox part of the store."""

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
        async with self.transaction():  # a write: refused while the disk is full
            stored = await self.rows(
                "INSERT INTO outbox (channel, chat_id, text, choices, photo, kind, ticket_number,"
                " dedupe_key, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
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
        return int(stored[0]["id"]) if stored else None

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
            sql += f" AND chat_id NOT IN ({', '.join('?' * len(skip_chats))})"
            params.extend(sorted(skip_chats))
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
                "INSERT INTO staff_posts (chat_id, message_id, ticket_number) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id, message_id) DO UPDATE"
                " SET ticket_number = excluded.ticket_number",
                (message.chat_id, sent_message_id, message.ticket_number),
            )

    async def mark_retry(self, outbox_id: int, error: str, next_attempt_at: datetime) -> None:
        """Try again at `next_attempt_at`, by whichever replica claims it then."""
        await self.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,"
            " owner = NULL, lease_until = NULL WHERE id = ?",
            (error[:500], to_text(next_attempt_at), outbox_id),
        )

    async def claim_messages(
        self,
        owner: str,
        now: datetime,
        lease: timedelta,
        limit: int = 50,
        *,
        channel: str = "telegram",
        skip_chats: Collection[int] = (),
    ) -> list[OutboxMessage]:
        """Claim unsent messages whose next attempt is due, oldest first, for `owner` to send
        (and those it holds already): none of a chat another owner holds an earlier message
        of under a live lease, none of `skip_chats`. Claims from several replicas take turns.
        On a database only one process uses (SQLite) this reads the due messages: no claim."""
        if not self.dialect.shared:
            return await self.due_messages(now, limit, channel=channel, skip_chats=skip_chats)
        when = to_text(now)
        skip = f" AND m.chat_id NOT IN ({', '.join('?' * len(skip_chats))})" if skip_chats else ""
        async with self.transaction():
            if self.dialect.claims_in_turn:
                await self.rows(self.dialect.claims_in_turn)
            rows = await self.rows(
                "UPDATE outbox SET owner = ?, lease_until = ? WHERE id IN (SELECT id FROM outbox m"
                " WHERE m.sent_at IS NULL AND m.channel = ? AND m.next_attempt_at <= ?"
                " AND (m.owner IS NULL OR m.owner = ? OR m.lease_until < ?)"
                " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.sent_at IS NULL"
                "   AND o.channel = m.channel AND o.chat_id = m.chat_id AND o.owner <> ?"
                f"   AND o.lease_until >= ? AND o.id < m.id){skip}"
                f" ORDER BY m.id LIMIT ?{self.dialect.skip_locked}) RETURNING *",
                (
                    owner,
                    to_text(now + lease),
                    channel,
                    when,
                    owner,
                    when,
                    owner,
                    when,
                    *sorted(skip_chats),
                    limit,
                ),
            )
        return sorted((_message(row) for row in rows), key=lambda m: m.id)

    async def renew_messages(self, owner: str, until: datetime) -> None:
        """Extend the lease of every unsent message this owner holds."""
        if not self.dialect.shared:
            return
        await self.execute(
            "UPDATE outbox SET lease_until = ? WHERE owner = ? AND sent_at IS NULL",
            (to_text(until), owner),
        )

    async def release_messages(self, owner: str) -> int:
        """Give back every unsent message this owner holds (a stop, or a start after a crash
        under the same name); return how many."""
        if not self.dialect.shared:
            return 0
        return await self.change(
            "UPDATE outbox SET owner = NULL, lease_until = NULL"
            " WHERE owner = ? AND sent_at IS NULL",
            (owner,),
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


def _message(row: Row) -> OutboxMessage:
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
