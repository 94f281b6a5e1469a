"""Deleting one resident's data on request (PIPL): their tickets with everything attached,
their answers, chat state, processed messages, the updates they sent (inbox), the knowledge
proposals drafted from their tickets and not approved, and the messages
queued or sent to them, and a record in `erasures` that it happened (who, when, how many rows;
no content)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from bot.store.database import Database, from_text, to_text

_OF_USER = "SELECT number FROM tickets WHERE user_id = :user"
_IN_CHATS = "chat_id IN (SELECT value FROM json_each(:chats))"
# Inbox rows: updates the resident sent, or any update of their chats (stored raw: bot/inbox.py).
_INBOX = (
    "(json_extract(payload, '$.message.from.id') = :user"
    " OR json_extract(payload, '$.callback_query.from.id') = :user"
    " OR chat_key IN (SELECT 'chat:' || value FROM json_each(:chats)))"
)
# Knowledge proposals drafted from their tickets, unless approved: an approved one is knowledge
# now (its question without personal data, in the YAML) and its record says who approved it.
_PROPOSALS = f"status != 'approved' AND ticket_number IN ({_OF_USER})"
# (table, SQL counting its rows that go), with the parameters :user and :chats (a JSON list).
_COUNTS = (
    ("tickets", "SELECT COUNT(*) FROM tickets WHERE user_id = :user"),
    (
        "events",
        f"SELECT COUNT(*) FROM events WHERE ticket_number IN ({_OF_USER})"
        " OR answer_id IN (SELECT id FROM answers WHERE user_id = :user)",
    ),
    ("attachments", f"SELECT COUNT(*) FROM attachments WHERE ticket_number IN ({_OF_USER})"),
    (
        "outbox",
        f"SELECT COUNT(*) FROM outbox WHERE ticket_number IN ({_OF_USER}) OR {_IN_CHATS}",
    ),
    ("answers", "SELECT COUNT(*) FROM answers WHERE user_id = :user"),
    ("chat_state", f"SELECT COUNT(*) FROM chat_state WHERE {_IN_CHATS}"),
    ("processed_messages", f"SELECT COUNT(*) FROM processed_messages WHERE {_IN_CHATS}"),
    ("inbox", f"SELECT COUNT(*) FROM inbox WHERE {_INBOX}"),
    ("kb_proposals", f"SELECT COUNT(*) FROM kb_proposals WHERE {_PROPOSALS}"),
)
# Tickets go last: their events, attachments, outbox rows and staff posts follow by ON DELETE
# CASCADE, as do the feedback events of the answers.
_DELETES = (
    f"DELETE FROM outbox WHERE {_IN_CHATS}",
    f"DELETE FROM chat_state WHERE {_IN_CHATS}",
    f"DELETE FROM processed_messages WHERE {_IN_CHATS}",
    f"DELETE FROM inbox WHERE {_INBOX}",
    "DELETE FROM answers WHERE user_id = :user",
    f"DELETE FROM kb_proposals WHERE {_PROPOSALS}",
    "DELETE FROM tickets WHERE user_id = :user",
)


@dataclass(frozen=True)
class Erasure:
    """What deleting a resident's data removes (or removed): rows per table."""

    user_id: int
    counts: dict[str, int]
    done: bool  # False for a dry run
    # False when another connection (the running service) kept the WAL from being emptied:
    # the old pages go at its next checkpoint.
    wal_emptied: bool = False


class ErasureStore(Database):
    """The deletion-on-request part of the SQLite store."""

    async def forget_resident(
        self, user_id: int, actor: str, at: datetime, *, dry_run: bool = False
    ) -> Erasure:
        """Delete everything stored about `user_id` (every channel) in one transaction and
        record that it happened; with `dry_run`, only count what would go.

        The deleted rows are overwritten, not just unlinked (secure_delete), and the WAL is
        checkpointed and emptied, so their text is not left in the file either.
        """
        await self.db.execute("PRAGMA secure_delete = ON")
        try:
            erasure = await self._forget(user_id, actor, at, dry_run=dry_run)
        finally:
            await self.db.execute("PRAGMA secure_delete = OFF")
        if not erasure.done:
            return erasure
        async with self._lock:  # (busy, WAL frames, frames checkpointed)
            result = list(await self.db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)"))
        busy = bool(result[0][0]) if result else True
        return replace(erasure, wal_emptied=not busy)

    async def _forget(self, user_id: int, actor: str, at: datetime, *, dry_run: bool) -> Erasure:
        async with self.transaction():
            chats = json.dumps(await self._chats(user_id))
            counts: dict[str, int] = {}
            for label, sql in _COUNTS:
                row = await self.row(sql, {"user": user_id, "chats": chats})
                counts[label] = int(row[0]) if row else 0
            if dry_run:
                return Erasure(user_id, counts, done=False)
            for sql in _DELETES:
                await self.change(sql, {"user": user_id, "chats": chats})
            await self.execute(
                "INSERT INTO erasures (at, actor, user_id, counts) VALUES (?, ?, ?, ?)",
                (to_text(at), actor, user_id, json.dumps(counts)),
            )
        return Erasure(user_id, counts, done=True)

    async def erasures(self) -> list[tuple[datetime, str, Erasure]]:
        """Every deletion done on request, oldest first: when, who, what went."""
        rows = await self.rows("SELECT at, actor, user_id, counts FROM erasures ORDER BY id")
        return [
            (
                from_text(row["at"]),
                row["actor"],
                Erasure(row["user_id"], json.loads(row["counts"]), done=True),
            )
            for row in rows
        ]

    async def _chats(self, user_id: int) -> list[int]:
        """The resident's own chats: their private chat (its id is the user id) and any chat
        their tickets or answers came from, never a group (negative ids: the staff group)."""
        rows = await self.rows(
            "SELECT chat_id FROM tickets WHERE user_id = ?"
            " UNION SELECT chat_id FROM answers WHERE user_id = ?",
            (user_id, user_id),
        )
        return sorted(c for c in {user_id, *(int(r[0]) for r in rows)} if c > 0)
