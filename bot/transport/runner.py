"""Handle the updates stored in the inbox: several chats at once, each chat's in order.

The runner claims updates from the inbox (bot/inbox.py) under its owner name, reads each with
python-telegram-bot and hands it to `Application.process_update`; the engine marks the update
done in the transaction of the turn, and the runner marks it done afterwards too (for updates no
turn handles, such as a group message not addressed to the bot). Updates of different chats run
concurrently, at most `concurrency` at a time; one chat's run one after another in the order
received (the engine keeps per-chat state). An update the library cannot read is logged once
and marked failed, never tried again. Handled updates are deleted KEPT_FOR (two days) after
they were handled: they hold what residents wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, ExtBot

from bot import words
from bot.matching.normalize import written_language
from bot.store.database import StoreUnavailableError, utcnow
from bot.store.inbox import Accepted, InboxItem
from bot.store.interface import TicketStore
from bot.store.processed import KEPT_FOR
from bot.transport.delivery import send_text

log = logging.getLogger(__name__)

CHANNEL = "telegram"
LEASE = timedelta(seconds=60)  # another replica may take over an update after this
LOOK_AGAIN = 1.0  # seconds between looks at the inbox when nothing wakes the runner
BACKOFF = 2.0  # seconds to wait after the database failed a claim
FORGET_EVERY = timedelta(hours=1)  # how often handled updates past KEPT_FOR are deleted

App = Application[Any, Any, Any, Any, Any, Any]


class UpdateRunner:
    """Claims and handles inbox updates until stopped (see the module docstring)."""

    def __init__(
        self,
        application: App,
        store: TicketStore,
        owner: str,
        concurrency: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._application = application
        self._store = store
        self._owner = owner
        self._slots = asyncio.Semaphore(concurrency)
        self._in_hand_limit = max(concurrency * 4, 20)
        self._clock = clock
        self._chats: dict[str, deque[InboxItem]] = {}
        self._in_hand = 0
        self._wake = asyncio.Event()
        self._hurry = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self.idle = asyncio.Event()  # set whenever nothing is left that this process can handle

    def wake(self) -> None:
        """Look at the inbox now (new updates were stored)."""
        self.idle.clear()
        self._wake.set()

    def hurry(self) -> None:
        """Make `settle()` return now (a second stop signal)."""
        self._hurry.set()

    async def settle(self, within: float) -> bool:
        """Wait until nothing is left to handle; False after `within` seconds or `hurry()`."""
        self.wake()
        idle = asyncio.ensure_future(self.idle.wait())
        hurried = asyncio.ensure_future(self._hurry.wait())
        await asyncio.wait((idle, hurried), timeout=within, return_when=asyncio.FIRST_COMPLETED)
        idle.cancel()
        hurried.cancel()
        return self.idle.is_set() and not self._hurry.is_set()

    async def run(self, until_idle: bool = False) -> None:
        """Claim and handle updates; with `until_idle`, return once nothing is left."""
        renewed = self._clock()
        forgotten: datetime | None = None
        while True:
            self._wake.clear()
            claimed = await self._claim()
            if claimed is None:  # the database failed: try again a little later
                if self._in_hand == 0:  # nothing this process can handle now (a stop need
                    self.idle.set()  # not wait: the updates stay stored for the next start)
                await asyncio.sleep(BACKOFF)
                continue
            if not claimed and self._in_hand == 0:
                self.idle.set()
                if until_idle:
                    return
            else:
                self.idle.clear()
            now = self._clock()
            if now - renewed > LEASE / 3 and self._in_hand:
                with contextlib.suppress(StoreUnavailableError):
                    await self._store.renew_claims(self._owner, now + LEASE)
                renewed = now
            if forgotten is None or now - forgotten > FORGET_EVERY:
                with contextlib.suppress(StoreUnavailableError):
                    await self._store.forget_handled(now - KEPT_FOR)
                forgotten = now
            # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation
            # that arrives as the event is set, and the runner then never stops.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(LOOK_AGAIN):
                    await self._wake.wait()

    async def finish(self) -> None:
        """Wait for the updates in hand, then give back any claim left (stopping cleanly)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        try:
            await self._store.release_claims(self._owner)
        except Exception as exc:
            log.warning("could not give back claimed updates: %s", exc)

    async def abandon(self) -> None:
        """Stop the updates in hand now; their claims are given back for the next start."""
        for task in list(self._tasks):
            task.cancel()
        await self.finish()

    async def _claim(self) -> list[InboxItem] | None:
        room = self._in_hand_limit - self._in_hand
        if room <= 0:
            return []
        try:
            items = await self._store.claim_updates(
                CHANNEL, self._owner, room, self._clock(), LEASE
            )
        except StoreUnavailableError as exc:
            log.warning("could not claim updates from the inbox: %s", exc)
            return None
        except Exception:  # a bug or a closed store: keep the runner alive, try again later
            log.exception("claiming updates from the inbox failed")
            return None
        for item in items:
            self._schedule(item)
        return items

    def _schedule(self, item: InboxItem) -> None:
        self._in_hand += 1
        queue = self._chats.get(item.chat_key)
        if queue is None:
            queue = self._chats[item.chat_key] = deque()
            task = asyncio.create_task(self._drain_chat(item.chat_key, queue))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        queue.append(item)

    async def _drain_chat(self, key: str, queue: deque[InboxItem]) -> None:
        """Handle one chat's updates in order, each taking one of the shared slots."""
        try:
            while queue:
                async with self._slots:
                    await self.handle(queue[0])
                queue.popleft()
                self._in_hand -= 1
                if self._in_hand <= self._in_hand_limit // 2:  # room for a batch: claim more
                    self._wake.set()
        finally:
            self._in_hand -= len(queue)
            del self._chats[key]

    async def handle(self, item: InboxItem) -> None:
        """Read one stored update and let the Application handle it; then mark it done."""
        bot = self._application.bot
        try:
            update = Update.de_json(json.loads(item.payload), bot)
        except Exception as exc:
            # Logged once: the update is marked failed and never claimed again. The payload is
            # not logged (it holds what a resident wrote), nor anything with the token.
            reason = f"{type(exc).__name__}: {exc}"
            log.error(
                "update %s could not be read by python-telegram-bot (%s); skipped",
                item.update_id,
                reason,
            )
            await self._mark(
                self._store.fail_update(CHANNEL, item.update_id, reason, self._clock())
            )
            return
        log.debug("handling update %s (attempt %d)", item.update_id, item.attempts)
        if isinstance(bot, ExtBot):
            bot.insert_callback_data(update)
        await self._application.process_update(update)
        await self._mark(self._store.finish_update(CHANNEL, item.update_id, self._clock()))

    async def _mark(self, change: Any) -> None:
        try:
            await change
        except Exception as exc:
            # The claim runs out and the update is handled again; the engine's record of
            # processed messages makes that harmless.
            log.warning("could not mark an update handled in the inbox: %s", exc)


def chat_key(update: dict[str, Any]) -> str:
    """The chat an update belongs to (its order key), read from the raw JSON."""
    for name, value in update.items():
        if name == "update_id" or not isinstance(value, dict):
            continue
        for holder in (value, value.get("message")):
            if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
                return f"chat:{holder['chat'].get('id')}"
        sender = value.get("from") or value.get("user")
        if isinstance(sender, dict):
            return f"user:{sender.get('id')}"
    return f"update:{update.get('update_id')}"


def accepted(raw: list[Any]) -> list[Accepted]:
    """The updates of a getUpdates page or a webhook request, as the inbox stores them."""
    return [
        Accepted(u["update_id"], chat_key(u), json.dumps(u, ensure_ascii=False))
        for u in raw
        if isinstance(u, dict) and isinstance(u.get("update_id"), int)
    ]


async def store_updates(store: TicketStore, runner: UpdateRunner, raw: list[Any]) -> None:
    """Store updates in the inbox (raises StoreUnavailableError) and wake the runner."""
    await store.accept_updates(CHANNEL, accepted(raw), utcnow())
    runner.wake()


async def refuse_updates(application: App, raw: list[Any]) -> None:
    """The database cannot store these updates: tell each sender so (the busy reply: nothing
    was saved, send it again later), so that confirming them loses nothing silently."""
    for update in raw:
        message = update.get("message") if isinstance(update, dict) else None
        if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
            continue
        sender = message.get("from")
        if not isinstance(sender, dict):
            sender = {}
        text = message.get("text")
        written = written_language(text) if isinstance(text, str) else None
        language = words.chat_language(None, written, sender.get("language_code"))
        await send_text(application.bot, message["chat"]["id"], words.busy_text(language))
