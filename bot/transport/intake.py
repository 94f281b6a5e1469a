"""Durable intake for Telegram, and the service's life cycle around it.

python-telegram-bot's Updater confirms an update (the next getUpdates offset) as soon as it is in
the process's queue, and its webhook server answers 200 before the update is handled: a crash
lost whatever was fetched and not yet handled, and cannot be told to confirm later. So the
service fetches updates itself. Long polling stores each page of updates in the inbox before the
next getUpdates moves the offset past it; the webhook (bot/telegram_webhook.py) answers 200 only
once the update is stored. Updates are kept as raw JSON, so one the library cannot read is
stored, confirmed and skipped by the runner (bot/telegram_runner.py) instead of being fetched
again forever. `serving()` runs the service: the inbox left from the last run is handled first,
then updates are fetched, and a stop handles what was stored before it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.error import Conflict, TelegramError

from bot.config import Settings
from bot.store.database import StoreUnavailableError
from bot.store.interface import TicketStore
from bot.transport.app import ALLOWED_UPDATES, RUNNER, stop_refused
from bot.transport.handlers import Runtime, runtime
from bot.transport.polling import ConflictWatch, PollingRefusedError, conflict_text
from bot.transport.runner import App, UpdateRunner, refuse_updates, store_updates
from bot.transport.webhook import listen

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10.0  # seconds Telegram holds a getUpdates open when there is nothing new
RETRY_CAP = 30.0  # seconds between getUpdates attempts at most while Telegram fails
STOP_GRACE = 10.0  # seconds a clean stop waits for stored updates to be handled


class Poller:
    """Long-polls getUpdates; the offset moves past a page only once the page is stored."""

    def __init__(
        self,
        application: App,
        store: TicketStore,
        runner: UpdateRunner,
        conflict_grace: float = Settings.polling_conflict_grace,
    ) -> None:
        self._application = application
        self._bot = application.bot
        self._store = store
        self._runner = runner
        self._conflicts = ConflictWatch(conflict_grace)
        self.offset = 0  # the first update_id not yet stored

    async def run(self, wait: float) -> None:
        await self._bot.delete_webhook(drop_pending_updates=False)
        failures = 0
        while True:
            try:
                raw = await self._fetch(self.offset, wait)
                try:
                    await store_updates(self._store, self._runner, raw)
                except StoreUnavailableError as exc:
                    log.warning("could not store %d updates (%s); told the senders", len(raw), exc)
                    await refuse_updates(self._application, raw)
            except Conflict:
                failures += 1
                lasted = self._conflicts.conflict()
                if lasted is not None:  # another poller, not a restart's leftover long poll
                    stop_refused(self._application, PollingRefusedError(conflict_text(lasted)))
                    return
                log.error(
                    "another process is polling Telegram with this bot token (409 Conflict):"
                    " polling mode runs as one process only; stop the other one, or use"
                    " webhook mode (WEBHOOK_URL) for several replicas (this one stops if it"
                    " lasts %.0f s more)",
                    self._conflicts.left(),
                )
                await asyncio.sleep(min(RETRY_CAP, 0.5 * 2**failures, self._conflicts.left()))
                continue
            except (TelegramError, StoreUnavailableError) as exc:
                failures += 1
                log.warning(
                    "fetching updates failed (%s: %s); trying again", type(exc).__name__, exc
                )
                await asyncio.sleep(min(RETRY_CAP, 0.5 * 2**failures))
                continue
            except Exception:  # a bug or a closed store: nothing is confirmed; try again
                failures += 1
                log.exception("storing fetched updates failed; trying again")
                await asyncio.sleep(min(RETRY_CAP, 0.5 * 2**failures))
                continue
            failures = 0
            ids = [u["update_id"] for u in raw if isinstance(u, dict) and "update_id" in u]
            if ids:
                self.offset = max(ids) + 1

    async def confirm(self) -> None:
        """Tell Telegram that every stored update is taken (a clean stop)."""
        if self.offset:
            with contextlib.suppress(TelegramError):
                await self._fetch(self.offset, 0)

    async def _fetch(self, offset: int, wait: float) -> list[Any]:
        # Bot.get_updates parses the page, and one update the library cannot read loses the
        # whole page; Bot._post returns the JSON as sent (do_api_request warns for getUpdates).
        result = await self._bot._post(
            "getUpdates",
            {"offset": offset or None, "timeout": int(wait), "allowed_updates": ALLOWED_UPDATES},
            read_timeout=wait + 10,
        )
        return result if isinstance(result, list) else []


@asynccontextmanager
async def intake(
    application: App,
    settings: Settings,
    store: TicketStore,
    *,
    webhook_path: str | None = None,
    poll_timeout: float = POLL_TIMEOUT,
) -> AsyncIterator[UpdateRunner]:
    """Handle what the inbox holds, then receive updates (by webhook when `webhook_path` is
    given) until the block ends; then stop receiving and handle what was stored, for up to
    STOP_GRACE seconds (a second stop signal cuts that short)."""
    owner = settings.replica
    runner = UpdateRunner(application, store, owner, settings.concurrent_chats)
    application.bot_data[RUNNER] = runner
    left = await store.release_claims(owner)  # held by this replica's previous, dead process
    if left:
        log.info("%d updates were being handled when the service last stopped", left)
    await runner.run(until_idle=True)
    handling = asyncio.create_task(runner.run(), name="inbox-runner")
    poller = Poller(application, store, runner, settings.polling_conflict_grace)
    fetching = None
    server = None
    if webhook_path is None:
        fetching = asyncio.create_task(poller.run(poll_timeout), name="getUpdates")
    else:
        server = await listen(application, settings, store, runner, webhook_path)
    try:
        yield runner
    finally:
        if fetching is not None:
            fetching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await fetching
        if server is not None:
            server.stop()
            await server.close_all_connections()
        if not await runner.settle(STOP_GRACE):
            log.warning("stopping with updates still stored: they are handled at the next start")
        handling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await handling
        await runner.abandon()
        await poller.confirm()


@asynccontextmanager
async def serving(
    application: App,
    settings: Settings,
    *,
    webhook_path: str | None = None,
    poll_timeout: float = POLL_TIMEOUT,
) -> AsyncIterator[Runtime]:
    """The service from start to stop, as Application.run_polling runs it but with the
    durable intake in place of the Updater."""
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        rt = runtime(application.bot_data)
        try:
            async with intake(
                application,
                settings,
                rt.store,
                webhook_path=webhook_path,
                poll_timeout=poll_timeout,
            ):
                yield rt
        finally:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
