"""The storage interface the engine, the CLI and the transports use (a server database can
implement it later); `SQLiteTicketStore` in bot/tickets.py is the embedded one."""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from bot.chat_state import AnswerRecord, ChatState
from bot.erasure import Erasure
from bot.messages import Choice, Outcome
from bot.outbox import OutboxMessage
from bot.ticket_model import Event, NewTicket, Stats, Ticket


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
        oldest_first: bool = False,
    ) -> list[Ticket]: ...
    async def events(self, number: int) -> list[Event]: ...
    async def count_tickets(
        self, channel: str, user_id: int, *, open_only: bool, since: datetime | None = None
    ) -> int: ...
    async def claim(
        self, number: int, actor: str, at: datetime, *, take_over: bool = False
    ) -> Ticket: ...
    async def staff_reply(self, number: int, actor: str, text: str, at: datetime) -> Ticket: ...
    async def close_ticket(self, number: int, actor: str, note: str, at: datetime) -> Ticket: ...
    async def reopen(self, number: int, actor: str, at: datetime) -> Ticket: ...
    async def add_followup(
        self, number: int, actor: str, text: str, attachments: tuple[str, ...], at: datetime
    ) -> Ticket: ...
    async def stats(self) -> Stats: ...
    async def purge(self, closed_before: datetime) -> int: ...
    async def forget_resident(
        self, user_id: int, actor: str, at: datetime, *, dry_run: bool = False
    ) -> Erasure: ...
    async def erasures(self) -> list[tuple[datetime, str, Erasure]]: ...

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

    async def recall_outcome(self, channel: str, chat_id: int, key: str) -> Outcome | None: ...
    async def remember_outcome(
        self, channel: str, chat_id: int, key: str, outcome: Outcome, at: datetime
    ) -> None: ...

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
        skip_chats: Collection[int] = (),
    ) -> list[OutboxMessage]: ...
    async def mark_sent(
        self, message: OutboxMessage | int, sent_message_id: int | None
    ) -> None: ...
    async def mark_retry(self, outbox_id: int, error: str, next_attempt_at: datetime) -> None: ...
    async def ticket_for_staff_message(self, chat_id: int, message_id: int) -> int: ...
    async def ticket_for_resident_message(self, chat_id: int, message_id: int) -> int: ...
