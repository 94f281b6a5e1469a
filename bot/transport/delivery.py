"""The outbox dispatcher: sends every persisted message, retrying until Telegram takes it.

Handlers do not send. The engine and the handlers write messages to the outbox (in the store, in
the same transaction as the ticket change), then wake the dispatcher, which sends them in order
per chat and records the outcome. A crash loses nothing: on start-up the dispatcher sends
whatever was still queued. (Two exceptions, both when things are already wrong: the error
handler's apology, and replies while the database cannot be written.)

When a message went out but the database cannot record it (locked, read-only, disk full), the
Telegram message id is kept in memory and the message is never sent again; sending stops until
the database takes the record (bot/unrecorded.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.config import Settings
from bot.helpdesk.assignment import notice_refused
from bot.messages import Choice
from bot.store.database import StoreUnavailableError, TicketNotFound
from bot.store.interface import TicketStore
from bot.store.outbox import OutboxMessage
from bot.transport.chunks import CAPTION_LIMIT, MESSAGE_LIMIT, split_text, text_length
from bot.transport.unrecorded import Unrecorded

log = logging.getLogger(__name__)

# Opt in to python-telegram-bot 22's time periods as `timedelta` (the future default). Without
# it, merely constructing a RetryAfter emits a PTBDeprecationWarning from inside the library.
os.environ.setdefault("PTB_TIMEDELTA", "true")

BATCH = 50  # messages looked at per query
CHATS_AT_ONCE = 64  # chats sent to concurrently (PTB's HTTP pool holds 256 connections)
BACKOFF_BASE = 1.0  # seconds before the first retry; doubled after each failed attempt
BACKOFF_CAP = 600.0  # never wait longer than this between attempts
# Between tries at recording what the database refused: short enough that a record lands soon
# after the database is back, long enough that a fault of hours costs a try a half-minute.
RECORD_BACKOFF_CAP = 30.0
IDLE_CHECK = 5.0  # seconds between looks at the outbox when nobody wakes the dispatcher
# A replica's claim on the messages it is sending: renewed while it runs, so only a replica that
# died (or cannot reach the database) loses its claims to the others.
LEASE = timedelta(seconds=60)
RENEW_EVERY = LEASE / 4
GIVE_UP_AFTER = 3  # attempts at a message Telegram refuses outright (blocked bot, unknown chat)
ABANDONED = timedelta(days=365 * 100)  # "retry" this far ahead = never: the row stays for staff


def utcnow() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    """Drains the outbox in the background; `wake()` after writing to it.

    Each chat is sent to by its own task, in order; chats do not wait for each other, so one
    that is slow (the staff group at Telegram's 20-a-minute group limit, a failing chat waiting
    for its retry) never holds back the replies to everyone else.
    """

    def __init__(
        self,
        bot: Bot,
        store: TicketStore,
        clock: Callable[[], datetime] = utcnow,
        backoff_base: float = BACKOFF_BASE,
        settings: Settings | None = None,
        *,
        owner: str = "local",
    ) -> None:
        self.bot = bot
        self.store = store
        self.settings = settings  # for the staff group, told when an assignee notice is refused
        self.owner = owner  # the replica's name: the outbox messages it sends are claimed by it
        self._renewed: datetime | None = None
        self.clock = clock
        self.backoff_base = backoff_base
        self._wake = asyncio.Event()
        self._hurry = asyncio.Event()  # stop now, without waiting for the messages in flight
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._paused_until: datetime | None = None  # Telegram asked the whole bot to wait
        self._blocked: dict[int, datetime] = {}  # chat → when its failed message is due again
        self._sending: dict[int, asyncio.Task[int]] = {}  # chat → the task sending to it
        # What the database refused to record, and the wait before trying again.
        self._records = Unrecorded(store, clock, backoff_base, RECORD_BACKOFF_CAP)

    @property
    def unrecorded(self) -> int:
        """Messages sent whose delivery the database has not recorded yet."""
        return len(self._records.sent)

    def start(self) -> None:
        """Start sending in the background, beginning with whatever was queued before start-up."""
        self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    def wake(self) -> None:
        """Look at the outbox now instead of at the next idle check."""
        self._wake.set()

    def hurry(self) -> None:
        """Make `stop()` stop now: what is not sent stays in the outbox for the next start."""
        self._hurry.set()

    async def stop(self, grace: float = 10.0) -> None:
        """Finish the messages in flight (and whatever is due by then), then stop; after
        `grace` seconds, or at once after `hurry()`, stop sending and leave the rest queued."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        hurried = asyncio.create_task(self._hurry.wait(), name="outbox-hurry")
        try:
            await asyncio.wait(
                {self._task, hurried}, timeout=grace, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            hurried.cancel()
        task, self._task = self._task, None
        if task.done():
            task.result()  # a failure of the dispatcher itself is raised, not lost
            return
        if self._hurry.is_set():
            log.warning("stopping the outbox dispatcher now; unsent messages stay queued")
        else:
            log.warning("outbox dispatcher still busy after %.0fs; stopping it", grace)
        task.cancel()
        for sender in list(self._sending.values()):
            sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await asyncio.gather(*self._sending.values(), return_exceptions=True)

    async def _run(self) -> None:
        # Claims this replica's previous process held when it died are its own again at once.
        with contextlib.suppress(StoreUnavailableError):
            await self.store.release_messages(self.owner)
        while not self._stopping:
            self._wake.clear()
            await self._pass()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._idle_seconds())
        # The last passes: whatever the final updates queued, until nothing more can be sent.
        # A pass counts only when no chat is in flight (it would skip that chat's messages).
        while True:
            if self._sending:
                await asyncio.wait(list(self._sending.values()))
            elif not await self._pass():
                break
        if self._records.pending and not await self._records.flush(now=True):
            log.error(
                "stopping with %d sent messages the database did not record (outbox ids %s);"
                " they will be sent again at the next start",
                len(self._records.sent),
                sorted(self._records.sent),
            )

    async def _pass(self) -> int:
        try:
            await self._renew()
            return await self.drain()
        except StoreUnavailableError as exc:  # reading the outbox failed: back off
            self._records.failed(exc)
            return 0
        except Exception:
            # The store itself failed (disk full, locked): log it and try again later.
            log.exception("outbox dispatcher pass failed")
            return 0

    async def _renew(self) -> None:
        """Keep the lease on the messages this replica holds (chats in flight, retries due)."""
        now = self.clock()
        if self._renewed is None or now - self._renewed >= RENEW_EVERY:
            await self.store.renew_messages(self.owner, now + LEASE)
            self._renewed = now

    def _idle_seconds(self) -> float:
        """Until the next idle check, or sooner when a retry or the end of a pause is due."""
        pauses = (self._paused_until, self._records.retry_at)
        due = [*self._blocked.values(), *(p for p in pauses if p is not None)]
        if not due:
            return IDLE_CHECK
        return max(0.05, min(IDLE_CHECK, (min(due) - self.clock()).total_seconds()))

    async def drain(self) -> int:
        """Start sending to every chat with messages due; return how many chats were started.

        A chat already being sent to, or waiting for a retry, is skipped (no message is ever in
        flight twice); its sender wakes the dispatcher when it is done.
        """
        started = 0
        if not await self._records.flush():
            return started
        while len(self._sending) < CHATS_AT_ONCE:
            now = self.clock()
            if self._paused_until is not None and now < self._paused_until:
                return started
            if self._records.holding:  # a write failed meanwhile: wait for the database
                return started
            self._paused_until = None
            self._blocked = {c: t for c, t in self._blocked.items() if t > now}
            batch = await self.store.claim_messages(
                self.owner, now, LEASE, BATCH, skip_chats={*self._sending, *self._blocked}
            )
            by_chat: dict[int, list[OutboxMessage]] = {}
            for message in batch:
                if message.id in self._records.sent:  # sent already: only its record is missing
                    continue
                if message.chat_id not in self._sending and message.chat_id not in self._blocked:
                    by_chat.setdefault(message.chat_id, []).append(message)
            if not by_chat:
                return started
            for chat_id, messages in by_chat.items():
                if len(self._sending) >= CHATS_AT_ONCE:
                    break
                task = asyncio.create_task(self._send_chat(messages), name=f"outbox-{chat_id}")
                self._sending[chat_id] = task
                task.add_done_callback(partial(self._sent, chat_id))
                started += 1
        return started

    def _sent(self, chat_id: int, task: asyncio.Task[int]) -> None:
        """A chat's sender finished: look again (the chat may have more, or others may wait)."""
        self._sending.pop(chat_id, None)
        if not task.cancelled() and task.exception() is not None:
            # The store failed while recording the outcome: try this chat again a little later.
            log.error("sending to chat %s failed", chat_id, exc_info=task.exception())
            self._blocked[chat_id] = self.clock() + timedelta(seconds=self.backoff_base)
        self.wake()

    async def _send_chat(self, messages: list[OutboxMessage]) -> int:
        """Send one chat's messages in order; stop at the first failure to keep that order."""
        sent = 0
        for message in messages:
            if self._paused_until is not None or self._records.holding:
                break
            if not await self._send_one(message):
                break
            sent += 1
        return sent

    async def _send_one(self, message: OutboxMessage) -> bool:
        try:
            sent = await send(self.bot, message)
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            log.warning("Telegram asked to wait %.0fs before sending more", wait)
            self._paused_until = self.clock() + timedelta(seconds=wait)
            await self._retry(message, exc, self._paused_until)
            return False
        except ChatMigrated as exc:
            log.error(
                "chat %s became supergroup %s; set STAFF_CHAT_ID to the new id",
                message.chat_id,
                exc.new_chat_id,
            )
            await self._abandon(message, exc)
            return False
        except (BadRequest, Forbidden) as exc:
            if message.kind == "assignee_notice":
                # They never started the bot (or blocked it): retrying cannot help.
                await self._abandon(message, exc)
                await self._notice_refused(message, exc)
                return False
            if message.attempts + 1 >= GIVE_UP_AFTER:
                log.error(
                    "giving up on outbox message %s to chat %s after %s attempts: %s",
                    message.id,
                    message.chat_id,
                    message.attempts + 1,
                    exc,
                )
                await self._abandon(message, exc)
            else:
                await self._retry(message, exc, self._backoff(message))
            return False
        except TelegramError as exc:  # 5xx, NetworkError, TimedOut: Telegram will be back
            log.warning("sending outbox message %s failed (%s); will retry", message.id, exc)
            await self._retry(message, exc, self._backoff(message))
            return False
        except Exception as exc:  # a bug of ours (bad row, bad markup): log it, back off
            log.exception("sending outbox message %s raised", message.id)
            await self._retry(message, exc, self._backoff(message))
            return False
        # Not recorded (the database refused): Telegram's id is kept, the message never resent.
        return await self._records.mark_sent(message, sent.message_id)

    async def _retry(self, message: OutboxMessage, exc: Exception, when: datetime) -> None:
        """Try again at `when`; the chat's later messages wait too, to keep their order."""
        self._blocked[message.chat_id] = when
        await self._records.mark_retry(message.id, f"{type(exc).__name__}: {exc}", when)

    async def _abandon(self, message: OutboxMessage, exc: Exception) -> None:
        """Stop trying this message (it stays in the outbox with its error); go on with the
        chat's next ones, which may well be fine."""
        self._blocked.pop(message.chat_id, None)
        await self._records.mark_retry(
            message.id, f"gave up: {type(exc).__name__}: {exc}", self.clock() + ABANDONED
        )

    async def _notice_refused(self, message: OutboxMessage, exc: Exception) -> None:
        """Record on the ticket that its assignee could not be told, and tell the staff group."""
        log.warning("assignee notice to user %s refused: %s", message.chat_id, exc)
        if self.settings is None or message.ticket_number is None:
            return
        try:
            await notice_refused(
                self.store,
                self.settings,
                message.chat_id,
                message.ticket_number,
                f"{type(exc).__name__}: {exc}",
                self.clock(),
            )
        except (StoreUnavailableError, TicketNotFound) as error:
            log.warning("could not record the refused assignee notice: %s", error)
        self.wake()

    def _backoff(self, message: OutboxMessage) -> datetime:
        """Exponential backoff with jitter, so many failed messages do not retry in lockstep."""
        delay = min(BACKOFF_CAP, self.backoff_base * 2**message.attempts)
        return self.clock() + timedelta(seconds=delay * random.uniform(0.5, 1.0))


async def send(bot: Bot, message: OutboxMessage) -> Message:
    """Send one outbox message; return the last Telegram message it became."""
    return await send_text(bot, message.chat_id, message.text, message.choices, message.photo)


async def send_text(
    bot: Bot,
    chat_id: int,
    text: str,
    choices: tuple[tuple[Choice, ...], ...] = (),
    photo: str | None = None,
) -> Message:
    """Send plain text (split when long, buttons on the last piece), after the photo if any."""
    keyboard = keyboard_for(choices)
    if photo is not None:
        if text_length(text) <= CAPTION_LIMIT:
            return await bot.send_photo(chat_id, photo, caption=text or None, reply_markup=keyboard)
        await bot.send_photo(chat_id, photo)
    *first, last = split_text(text, MESSAGE_LIMIT)
    for chunk in first:
        await bot.send_message(chat_id, chunk)
    return await bot.send_message(chat_id, last, reply_markup=keyboard)


def keyboard_for(rows: tuple[tuple[Choice, ...], ...]) -> InlineKeyboardMarkup | None:
    """Inline buttons from the engine's rows of choices."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(c.label, callback_data=c.data) for c in row] for row in rows]
    )


def retry_after_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked us to wait (the attribute is an int or a timedelta in PTB 22)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)
