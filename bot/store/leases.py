"""What keeps one bot's processes out of each other's way: the polling lease and the shared
send budget.

`poller_leases` holds one row per bot (keyed `telegram:<bot id>`, never the token) naming the
process that long-polls Telegram for it: its replica name, host and pid, when it started and
until when its lease runs. The poller renews the lease while it runs and deletes the row when it
stops cleanly; another process finding a live lease refuses to poll, and one finding a lease run
out (its holder was killed) takes it over.

`send_budget` holds one row per budget (the bot's overall send rate, each group's): the time
(seconds since the epoch, the senders' clocks) from which its next message may go. Taking a
slot moves that time on by one interval in one statement, so the replicas sharing a database
share one budget however the messages are spread among them (a generic cell rate algorithm:
each sender then waits until its slot, less the burst it may run ahead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.database import from_text, to_text
from bot.store.sql import Row, SQLDatabase


@dataclass(frozen=True)
class PollerLease:
    """Who polls Telegram for a bot, since when, and until when unless renewed."""

    bot: str
    owner: str  # the replica name (REPLICA_NAME or the host name)
    host: str
    pid: int
    started_at: datetime
    lease_until: datetime

    def same_holder(self, other: PollerLease) -> bool:
        return (self.owner, self.host, self.pid) == (other.owner, other.host, other.pid)


class LeaseStore(SQLDatabase):
    """The polling lease and the send budget part of the store."""

    async def take_poller_lease(
        self, lease: PollerLease, now: datetime, *, stale: PollerLease | None = None
    ) -> PollerLease:
        """Take the polling lease of `lease.bot` for `lease`'s holder unless another holds it
        beyond `now` (or unless its holder is not `stale`: one known to be dead); return the
        lease as it then stands (`lease` itself when taken)."""
        dead = stale or PollerLease(lease.bot, "", "", -1, now, now)
        for _ in range(3):  # the row may be released between the upsert and the read
            async with self.transaction():
                taken = await self.rows(
                    "INSERT INTO poller_leases (bot, owner, host, pid, started_at, lease_until)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (bot) DO UPDATE SET"
                    " owner = excluded.owner, host = excluded.host, pid = excluded.pid,"
                    " started_at = excluded.started_at, lease_until = excluded.lease_until"
                    " WHERE poller_leases.lease_until < ? OR (poller_leases.owner = ?"
                    " AND poller_leases.host = ? AND poller_leases.pid = ?) RETURNING *",
                    (
                        lease.bot,
                        lease.owner,
                        lease.host,
                        lease.pid,
                        to_text(lease.started_at),
                        to_text(lease.lease_until),
                        to_text(now),
                        dead.owner,
                        dead.host,
                        dead.pid,
                    ),
                )
            if taken:
                return _lease(taken[0])
            held = await self.row("SELECT * FROM poller_leases WHERE bot = ?", (lease.bot,))
            if held is not None:
                return _lease(held)
        raise RuntimeError(f"the polling lease of {lease.bot} changes hands too often to take")

    async def renew_poller_lease(self, lease: PollerLease, until: datetime) -> bool:
        """Extend the lease `lease`'s holder holds; False when it holds it no longer."""
        async with self.transaction():
            changed = await self.change(
                "UPDATE poller_leases SET lease_until = ?"
                " WHERE bot = ? AND owner = ? AND host = ? AND pid = ?",
                (to_text(until), lease.bot, lease.owner, lease.host, lease.pid),
            )
        return changed > 0

    async def release_poller_lease(self, lease: PollerLease) -> None:
        """Give the lease up (a clean stop); nothing when another holds it now."""
        async with self.transaction():
            await self.change(
                "DELETE FROM poller_leases WHERE bot = ? AND owner = ? AND host = ? AND pid = ?",
                (lease.bot, lease.owner, lease.host, lease.pid),
            )

    async def poller_lease(self, bot: str) -> PollerLease | None:
        """The lease of `bot` as stored (live or run out), None when nobody took it."""
        row = await self.row("SELECT * FROM poller_leases WHERE bot = ?", (bot,))
        return None if row is None else _lease(row)

    async def take_send_slot(self, budget: str, now: float, interval: float) -> float:
        """Reserve the next slot of `budget` (one message every `interval` seconds) and return
        when it begins: `now` when the budget has room, later when others took the slots up to
        then (times in seconds since the epoch)."""
        async with self.transaction():
            row = await self.row(
                "INSERT INTO send_budget (budget, next_at) VALUES (?, ?)"
                " ON CONFLICT (budget) DO UPDATE SET next_at ="
                " CASE WHEN send_budget.next_at > ? THEN send_budget.next_at ELSE ? END + ?"
                " RETURNING next_at",
                (budget, now + interval, now, now, interval),
            )
        assert row is not None  # an upsert with RETURNING returns its row
        return float(row["next_at"]) - interval


def _lease(row: Row) -> PollerLease:
    return PollerLease(
        bot=row["bot"],
        owner=row["owner"],
        host=row["host"],
        pid=int(row["pid"]),
        started_at=from_text(row["started_at"]),
        lease_until=from_text(row["lease_until"]),
    )
