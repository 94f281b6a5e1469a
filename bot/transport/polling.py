"""One poller per bot. Telegram serves a bot's updates to one getUpdates caller at a time: a
second poller only makes both fail with 409 Conflict. So polling mode takes a lease in the
database before anything else acts (bot/store/leases.py: who polls, since when, until when) and
refuses to start while another process holds it; it renews the lease while it runs and gives it
back on a clean stop. A poller killed outright holds it until its lease runs out
(POLLING_LEASE). A poller on another database or machine is not in the lease table: for it,
Telegram's own 409 Conflict is the word, and the Poller (bot/transport/intake.py) stops the
service when it persists past POLLING_CONFLICT_GRACE (`ConflictWatch`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.config import Settings
from bot.store.database import StoreUnavailableError, utcnow
from bot.store.interface import TicketStore
from bot.store.leases import PollerLease

log = logging.getLogger(__name__)

EXIT_ANOTHER_POLLER = 3  # `run`'s exit status when it refuses to poll (systemd: do not restart)


class PollingRefusedError(RuntimeError):
    """Raised when this process must not poll Telegram for its bot: another process does (its
    lease is live in the database, or Telegram kept answering 409 Conflict past the grace)."""


def bot_key(bot_id: int) -> str:
    """The lease's key: the bot's id (public: it opens the token), never the token."""
    return f"telegram:{bot_id}"


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def lease_held_text(held: PollerLease, lease_seconds: float) -> str:
    """Why this process refuses to poll: who holds the lease, until when, what to do."""
    return (
        f"not starting: another process is polling Telegram for this bot (replica"
        f" {held.owner!r} on host {held.host!r}, pid {held.pid}, polling since"
        f" {_when(held.started_at)}; its lease runs until {_when(held.lease_until)} and is"
        " renewed while it runs). Polling mode runs as one process per bot: stop the other one"
        " first (a clean stop gives the lease back at once; if it was killed, the lease is"
        f" free {lease_seconds:.0f} s after its last renewal), or run several replicas in"
        " webhook mode (WEBHOOK_URL and WEBHOOK_SECRET, on PostgreSQL)"
    )


def lease_lost_text(held: PollerLease | None) -> str:
    holder = (
        f"replica {held.owner!r} on host {held.host!r}, pid {held.pid}"
        if held is not None
        else "nobody (it was deleted)"
    )
    return (
        "stopping: this process no longer holds the polling lease (the database could not"
        f" renew it in time; it is held by {holder}). Polling mode runs as one process per bot:"
        " stop the other one, or use webhook mode (WEBHOOK_URL) for several replicas"
    )


def conflict_text(seconds: float) -> str:
    return (
        f"stopping: Telegram has kept answering getUpdates with 409 Conflict for {seconds:.0f} s:"
        " another process is polling with this bot token, on another database or machine (one"
        " on this database would hold the polling lease). Stop the other one, or run several"
        " replicas in webhook mode (WEBHOOK_URL, on PostgreSQL); a webhook set for the bot"
        " also makes getUpdates fail with 409"
    )


class PollingLease:
    """This process's polling lease: `take()` at start, kept while it runs, `release()`."""

    def __init__(
        self,
        store: TicketStore,
        bot_id: int,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._length = timedelta(seconds=settings.polling_lease)
        self._clock = clock
        now = clock()
        self.lease = PollerLease(
            bot=bot_key(bot_id),
            owner=settings.replica,
            host=socket.gethostname() or "localhost",
            pid=os.getpid(),
            started_at=now,
            lease_until=now + self._length,
        )
        self._task: asyncio.Task[None] | None = None

    async def take(self) -> None:
        """Take the lease; PollingRefusedError (naming the holder) when another holds it.

        A lease held on this host by a process that is no longer running (killed, then
        restarted by systemd) is taken over at once, not after it runs out.
        """
        held = await self._store.take_poller_lease(self.lease, self._clock())
        if not held.same_holder(self.lease) and self._gone(held):
            log.warning(
                "taking over the polling lease of pid %d on this host: it is no longer running",
                held.pid,
            )
            held = await self._store.take_poller_lease(self.lease, self._clock(), stale=held)
        if not held.same_holder(self.lease):
            raise PollingRefusedError(lease_held_text(held, self._length.total_seconds()))
        log.info(
            "polling lease taken for %s as replica %r (pid %d), renewed every %.0f s",
            self.lease.bot,
            self.lease.owner,
            self.lease.pid,
            self._length.total_seconds() / 3,
        )

    def _gone(self, held: PollerLease) -> bool:
        """The holder ran on this host and is not running now (or its pid is ours: this
        process restarted in a container whose pids start again). A pid in use by another
        process counts as running: the lease then runs out by itself."""
        if held.host != self.lease.host:
            return False
        if held.pid == self.lease.pid:
            return True
        try:
            os.kill(held.pid, 0)
        except ProcessLookupError:
            return True
        except OSError:  # another user's process: running
            return False
        return False

    def keep(self, on_lost: Callable[[PollingRefusedError], None]) -> None:
        """Renew the lease in the background; call `on_lost` if another process took it."""
        self._task = asyncio.create_task(self._keep(on_lost), name="polling-lease")

    async def _keep(self, on_lost: Callable[[PollingRefusedError], None]) -> None:
        every = self._length.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                renewed = await self._store.renew_poller_lease(
                    self.lease, self._clock() + self._length
                )
            except StoreUnavailableError as exc:  # tried again a third of a lease later
                log.warning("could not renew the polling lease: %s", exc)
                continue
            except Exception:  # a bug or a closed store: keep trying while the service runs
                log.exception("renewing the polling lease failed")
                continue
            if not renewed:
                held = await self._store.poller_lease(self.lease.bot)
                on_lost(PollingRefusedError(lease_lost_text(held)))
                return

    async def release(self) -> None:
        """Stop renewing and give the lease back (a clean stop)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await self._store.release_poller_lease(self.lease)
        except Exception as exc:  # it runs out by itself
            log.warning(
                "could not give the polling lease back (free in %.0f s): %s",
                self._length.total_seconds(),
                exc,
            )
        else:
            log.info("polling lease given back")


class ConflictWatch:
    """Tells a restart's leftover from another poller by how long 409 Conflict keeps coming.

    After a restart the previous process's long poll can hold Telegram for up to its timeout
    (10 s), so a few 409s are waited out. Two pollers cut each other off again and again, each
    getting an answer now and then in between: 409s that keep coming, none more than `grace`
    seconds after the one before, for `grace` seconds, are another poller.
    """

    def __init__(self, grace: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.grace = grace
        self._clock = clock
        self._since: float | None = None  # the first 409 of the current run of them
        self._last = 0.0

    def conflict(self) -> float | None:
        """A 409 now; return how long they have kept coming once that is the grace or more."""
        now = self._clock()
        if self._since is None or now - self._last > self.grace:
            self._since = now
        self._last = now
        lasted = now - self._since
        return lasted if lasted >= self.grace else None

    def left(self) -> float:
        """Seconds of grace left (the longest a retry may wait to be judged in time)."""
        if self._since is None:
            return self.grace
        return max(0.0, self.grace - (self._clock() - self._since))
