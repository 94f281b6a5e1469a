"""What the outbox dispatcher did that the database has not recorded yet (it was locked,
read-only or full), and when to try recording it again.

A message sent but not recorded is never sent again: its Telegram message id waits here until
the database takes it. A failed send whose retry could not be recorded waits here too. While
anything waits, nothing is sent (its result could not be recorded either); each failed attempt
doubles the wait, up to a cap, and a write that succeeds resets it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.store.database import StoreUnavailableError
from bot.store.interface import TicketStore
from bot.store.outbox import OutboxMessage

log = logging.getLogger(__name__)


class Unrecorded:
    """The dispatcher's unrecorded results and the backoff on writing them."""

    def __init__(
        self,
        store: TicketStore,
        clock: Callable[[], datetime],
        backoff_base: float,
        backoff_cap: float,
    ) -> None:
        self.store = store
        self.clock = clock
        self.backoff_base = backoff_base  # seconds before the first new try; doubled each time
        self.backoff_cap = backoff_cap
        self.sent: dict[int, tuple[OutboxMessage, int | None]] = {}  # outbox id → Telegram id
        self.retries: dict[int, tuple[str, datetime]] = {}  # outbox id → (error, retry at)
        self.failures = 0  # consecutive failed writes
        self.retry_at: datetime | None = None  # set: no sending before then

    @property
    def holding(self) -> bool:
        """Whether sending waits for the database."""
        return self.retry_at is not None

    @property
    def pending(self) -> bool:
        return bool(self.sent or self.retries)

    async def mark_sent(self, message: OutboxMessage, sent_message_id: int | None) -> bool:
        """Record a delivery; False when the database refused (kept here, sending held)."""
        try:
            await self.store.mark_sent(message, sent_message_id)
        except StoreUnavailableError as exc:
            self.sent[message.id] = (message, sent_message_id)
            self.failed(exc)
            return False
        self.failures = 0
        return True

    async def mark_retry(self, outbox_id: int, error: str, when: datetime) -> bool:
        """Record a failed send and when to retry it; False when the database refused."""
        try:
            await self.store.mark_retry(outbox_id, error, when)
        except StoreUnavailableError as exc:
            self.retries[outbox_id] = (error, when)
            self.failed(exc)
            return False
        self.failures = 0
        return True

    async def flush(self, *, now: bool = False) -> bool:
        """Whether sending may go on: the wait is over (or `now`) and everything kept here is
        recorded."""
        if not now and self.retry_at is not None and self.clock() < self.retry_at:
            return False
        self.retry_at = None
        # Each stays here until its write succeeds (a write may wait for a lock meanwhile,
        # and `unrecorded` counts it as not recorded all that time).
        for outbox_id, (error, when) in list(self.retries.items()):
            if not await self.mark_retry(outbox_id, error, when):
                return False
            del self.retries[outbox_id]
        for outbox_id, (message, sent_message_id) in list(self.sent.items()):
            if not await self.mark_sent(message, sent_message_id):
                return False
            del self.sent[outbox_id]
            log.info(
                "recorded outbox message %s as sent (Telegram message %s)",
                outbox_id,
                sent_message_id,
            )
        return True

    def failed(self, exc: StoreUnavailableError) -> None:
        """A write failed: hold sending until the next try, a little later each time."""
        self.failures += 1
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (self.failures - 1))
        self.retry_at = self.clock() + timedelta(seconds=delay)
        log.warning(
            "the database cannot record outbox results (%s); attempt %d, trying again in %.1fs"
            " (%d sent messages waiting to be recorded)",
            exc,
            self.failures,
            delay,
            len(self.sent),
        )
