"""The send rate, kept across replicas: Telegram's limit for the whole bot (TELEGRAM_MAX_RATE, 30
messages a second) and for each group (20 a minute).

python-telegram-bot's AIORateLimiter counts the sends of its own process only, and its limits
are fixed when it is built. `SendBudget` is a `BaseRateLimiter` (the library's interface for
this) that takes a slot from a budget before each request to a chat, and then hands the request
to an AIORateLimiter with its limits off, which waits out Telegram's "retry after" as before.
A budget is a generic cell rate algorithm: one time from which its next message may go, moved
on by one interval per message; a sender waits until its slot, less the burst it may run ahead
(one second's worth for the bot, as AIORateLimiter allows; the whole minute's 20 for a group).
With several processes on one database (PostgreSQL) the budgets are rows of `send_budget`
(bot/store/leases.py), one UPDATE per message, so all replicas together stay within the limits
however the messages are spread among them, and one replica alone gets the whole of them. On
SQLite (one process) they are kept in memory. While the database cannot be reached, each
process keeps its budgets in memory (so N replicas may then send up to N times the limit).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

from bot.store.interface import TicketStore

log = logging.getLogger(__name__)

GROUP_RATE = 20.0  # messages per GROUP_PERIOD to one group: Telegram's documented limit
GROUP_PERIOD = 60.0
BURST = 1.0  # seconds of the bot's rate that may go at once (AIORateLimiter's bucket holds 1 s)
WARN_EVERY = 60.0  # seconds between warnings that the database budget cannot be used
KEPT_IN_MEMORY = 512  # budgets kept in memory before the ones with room again are forgotten

Result = bool | dict[str, Any] | list[dict[str, Any]]


class SendBudget(BaseRateLimiter[int]):
    """Waits for a slot of the bot's budget (and the group's) before each request to a chat."""

    def __init__(
        self, max_rate: float, *, max_retries: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.max_rate = max_rate  # 0: no limit for the bot as a whole (groups still limited)
        self._inner = AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)
        self._store: TicketStore | None = None
        self._local: dict[str, float] = {}
        self._clock = clock
        self._warned = -WARN_EVERY

    def share_through(self, store: TicketStore | None) -> None:
        """Keep the budgets in `store` (shared by every process on it); None: in memory."""
        self._store = store

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        self._store = None
        await self._inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        """Wait for the request's slots (requests to a chat only, as AIORateLimiter counts),
        then send it."""
        chat_id = data.get("chat_id")
        if chat_id is not None and not data.get("allow_paid_broadcast"):
            with contextlib.suppress(ValueError, TypeError):
                chat_id = int(chat_id)
            if isinstance(chat_id, str) or chat_id < 0:  # a group or channel
                interval = GROUP_PERIOD / GROUP_RATE
                await self._wait(f"group:{chat_id}", interval, GROUP_PERIOD - interval)
            if self.max_rate > 0:
                await self._wait("bot", 1.0 / self.max_rate, BURST)
        return await self._inner.process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )

    async def _wait(self, budget: str, interval: float, ahead: float) -> None:
        now = self._clock()
        slot = await self._take(budget, now, interval)
        delay = slot - ahead - now
        if delay > 0:
            await asyncio.sleep(delay)

    async def _take(self, budget: str, now: float, interval: float) -> float:
        """The slot's time: from the shared budget, or (no database) this process's."""
        store = self._store
        if store is not None:
            try:
                return await store.take_send_slot(budget, now, interval)
            except Exception as exc:  # StoreUnavailableError, a closed pool: go on in memory
                if now - self._warned >= WARN_EVERY:
                    self._warned = now
                    log.warning(
                        "the shared send budget is out of reach (%s); counting this process's"
                        " sends only meanwhile",
                        exc,
                    )
        if len(self._local) > KEPT_IN_MEMORY:
            self._local = {k: t for k, t in self._local.items() if t > now}
        slot = max(self._local.get(budget, now), now)
        self._local[budget] = slot + interval
        return slot
