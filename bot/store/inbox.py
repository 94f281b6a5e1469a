"""The inbox: every update a transport receives, stored before it is confirmed, then handled.

A transport writes each update here (unique per channel and update id) before it tells the
sender it has it (the next getUpdates offset, a webhook's 200), and handles updates only from
here: a crash loses nothing accepted, and an update received twice is stored once.

Rows are claimed for handling with an owner and a lease, so several replicas on a server
database can share one inbox: a row is `pending`, then `claimed` (owner, lease_until, attempts
counted), then `done` or `failed`. A claim skips a chat while another owner holds one of its
rows under a live lease, so one chat's updates are handled in order. Nothing here is specific to
SQLite: the statements are plain SQL a server database runs as well (`ON CONFLICT DO NOTHING`).
The payload holds what the resident wrote (personal data); the transport deletes done and
failed rows two days after they were handled (`forget_handled`); `tickets purge` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.store.database import to_text
from bot.store.sql import SQLDatabase

# After this many claims without being marked done (the process died or the database failed
# each time), an update is marked failed and not tried again.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class InboxItem:
    """One stored update: its id at the sender, the chat it belongs to, the raw payload."""

    channel: str
    update_id: int
    chat_key: str  # updates with the same key are handled in the order received
    payload: str  # the update as received (JSON text)
    attempts: int


@dataclass(frozen=True)
class Accepted:
    """An update as a transport hands it over: it belongs to `chat_key`."""

    update_id: int
    chat_key: str
    payload: str


class InboxStore(SQLDatabase):
    """The inbox part of the store."""

    async def accept_updates(self, channel: str, updates: list[Accepted], at: datetime) -> int:
        """Store the updates in one transaction (one already stored is left as it is); return
        how many were new."""
        new = 0
        async with self.transaction():
            for update in updates:
                stored = await self.rows(
                    "INSERT INTO inbox (channel, update_id, chat_key, payload, received_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, update_id) DO NOTHING"
                    " RETURNING id",
                    (channel, update.update_id, update.chat_key, update.payload, to_text(at)),
                )
                new += len(stored)
        return new

    async def claim_updates(
        self, channel: str, owner: str, limit: int, now: datetime, lease: timedelta
    ) -> list[InboxItem]:
        """Claim up to `limit` updates to handle, oldest first: pending ones, and claimed ones
        whose lease ran out (their owner died). A chat whose earlier update another owner holds
        is skipped. Updates claimed MAX_ATTEMPTS times already are marked failed instead.

        Claims from several replicas take turns (PostgreSQL: a transaction-level advisory
        lock), so each sees what the one before it claimed: a chat is never held by two."""
        when = to_text(now)
        async with self.transaction():
            if self.dialect.claims_in_turn:
                await self.rows(self.dialect.claims_in_turn)
            await self.execute(
                "UPDATE inbox SET state = 'failed', handled_at = ?,"
                " last_error = 'gave up after ' || attempts || ' attempts'"
                " WHERE channel = ? AND state IN ('pending', 'claimed') AND attempts >= ?"
                " AND (state = 'pending' OR lease_until < ?)",
                (when, channel, MAX_ATTEMPTS, when),
            )
            # One statement claims them all (RETURNING: SQLite 3.35+, PostgreSQL); on a server
            # database rows another replica is claiming at this moment are passed over.
            rows = await self.rows(
                "UPDATE inbox SET state = 'claimed', owner = ?, lease_until = ?,"
                " attempts = attempts + 1 WHERE id IN (SELECT id FROM inbox i"
                " WHERE channel = ? AND (state = 'pending' OR (state = 'claimed'"
                "   AND lease_until < ?))"
                " AND NOT EXISTS (SELECT 1 FROM inbox o WHERE o.channel = i.channel"
                "   AND o.chat_key = i.chat_key AND o.state = 'claimed' AND o.owner <> ?"
                "   AND o.lease_until >= ? AND o.id < i.id)"
                f" ORDER BY id LIMIT ?{self.dialect.skip_locked})"
                " RETURNING id, update_id, chat_key, payload, attempts",
                (owner, to_text(now + lease), channel, when, owner, when, limit),
            )
        return [
            InboxItem(channel, r["update_id"], r["chat_key"], r["payload"], r["attempts"])
            for r in sorted(rows, key=lambda r: r["id"])
        ]

    async def renew_claims(self, owner: str, until: datetime) -> None:
        """Extend the lease of every update this owner holds."""
        await self.execute(
            "UPDATE inbox SET lease_until = ? WHERE owner = ? AND state = 'claimed'",
            (to_text(until), owner),
        )

    async def release_claims(self, owner: str) -> int:
        """Give back every update this owner holds (a clean stop, or a start-up after a crash
        under the same owner name); return how many."""
        async with self.transaction():
            row = await self.row(
                "SELECT COUNT(*) AS n FROM inbox WHERE owner = ? AND state = 'claimed'", (owner,)
            )
            await self.execute(
                "UPDATE inbox SET state = 'pending', owner = NULL, lease_until = NULL"
                " WHERE owner = ? AND state = 'claimed'",
                (owner,),
            )
        return int(row["n"]) if row else 0

    async def finish_update(self, channel: str, update_id: int, at: datetime) -> None:
        """Mark an update handled (joins the caller's transaction: the engine marks it with the
        effects of the turn)."""
        await self.execute(
            "UPDATE inbox SET state = 'done', handled_at = ?, owner = NULL, lease_until = NULL"
            " WHERE channel = ? AND update_id = ? AND state <> 'done'",
            (to_text(at), channel, update_id),
        )

    async def fail_update(self, channel: str, update_id: int, error: str, at: datetime) -> None:
        """Mark an update failed (it cannot be handled, e.g. unreadable): never tried again."""
        await self.execute(
            "UPDATE inbox SET state = 'failed', handled_at = ?, last_error = ?, owner = NULL,"
            " lease_until = NULL WHERE channel = ? AND update_id = ?",
            (to_text(at), error[:500], channel, update_id),
        )

    async def forget_handled(self, before: datetime) -> None:
        """Delete done and failed updates handled before `before` (they hold residents' text)."""
        await self.execute(
            "DELETE FROM inbox WHERE state IN ('done', 'failed') AND handled_at < ?",
            (to_text(before),),
        )

    async def inbox_counts(self, channel: str) -> dict[str, int]:
        """How many updates are in each state."""
        rows = await self.rows(
            "SELECT state, COUNT(*) AS n FROM inbox WHERE channel = ? GROUP BY state", (channel,)
        )
        return {r["state"]: int(r["n"]) for r in rows}
