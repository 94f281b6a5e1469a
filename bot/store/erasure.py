"""Deleting one resident's data on request (PIPL): their tickets with everything attached,
their answers, chat state, processed messages, the updates they sent (inbox), the knowledge
proposals drafted from their tickets and not approved, and the messages
queued or sent to them, and a record in `erasures` that it happened (who, when, how many rows;
no content)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

from bot.store.database import from_text, to_text
from bot.store.sql import Dialect, SQLDatabase

_OF_USER = "SELECT number FROM tickets WHERE user_id = ?"
# Knowledge proposals drafted from their tickets, unless approved: an approved one is knowledge
# now (its question without personal data, in the YAML) and its record says who approved it.
_PROPOSALS = f"status != 'approved' AND ticket_number IN ({_OF_USER})"


def _in(column: str, count: int) -> str:
    """`column IN (?, ?, …)` for `count` values (PostgreSQL has no empty `IN ()`)."""
    return f"{column} IN ({', '.join('?' * count)})" if count else "FALSE"


def _statements(
    dialect: Dialect, user_id: int, chats: list[int]
) -> tuple[list[tuple[str, str, list[object]]], list[tuple[str, list[object]]]]:
    """(table, SQL counting its rows that go, parameters) for each table, and the deletes with
    their parameters, for one resident and their chats (never empty: their private chat)."""
    in_chats = _in("chat_id", len(chats))
    # Inbox rows: updates the resident sent, or any update of their chats (stored raw).
    inbox = (
        f"({dialect.json_int('payload', 'message', 'from', 'id')} = ?"
        f" OR {dialect.json_int('payload', 'callback_query', 'from', 'id')} = ?"
        f" OR {_in('chat_key', len(chats))})"
    )
    keys = [f"chat:{chat}" for chat in chats]
    counts: list[tuple[str, str, list[object]]] = [
        ("tickets", "SELECT COUNT(*) FROM tickets WHERE user_id = ?", [user_id]),
        (
            "events",
            f"SELECT COUNT(*) FROM events WHERE ticket_number IN ({_OF_USER})"
            " OR answer_id IN (SELECT id FROM answers WHERE user_id = ?)",
            [user_id, user_id],
        ),
        (
            "attachments",
            f"SELECT COUNT(*) FROM attachments WHERE ticket_number IN ({_OF_USER})",
            [user_id],
        ),
        (
            "outbox",
            f"SELECT COUNT(*) FROM outbox WHERE ticket_number IN ({_OF_USER}) OR {in_chats}",
            [user_id, *chats],
        ),
        ("answers", "SELECT COUNT(*) FROM answers WHERE user_id = ?", [user_id]),
        ("chat_state", f"SELECT COUNT(*) FROM chat_state WHERE {in_chats}", [*chats]),
        (
            "processed_messages",
            f"SELECT COUNT(*) FROM processed_messages WHERE {in_chats}",
            [*chats],
        ),
        ("inbox", f"SELECT COUNT(*) FROM inbox WHERE {inbox}", [user_id, user_id, *keys]),
        ("kb_proposals", f"SELECT COUNT(*) FROM kb_proposals WHERE {_PROPOSALS}", [user_id]),
    ]
    # Tickets go last: their events, attachments, outbox rows and staff posts follow by ON
    # DELETE CASCADE, as do the feedback events of the answers.
    deletes: list[tuple[str, list[object]]] = [
        (f"DELETE FROM outbox WHERE {in_chats}", [*chats]),
        (f"DELETE FROM chat_state WHERE {in_chats}", [*chats]),
        (f"DELETE FROM processed_messages WHERE {in_chats}", [*chats]),
        (f"DELETE FROM inbox WHERE {inbox}", [user_id, user_id, *keys]),
        ("DELETE FROM answers WHERE user_id = ?", [user_id]),
        (f"DELETE FROM kb_proposals WHERE {_PROPOSALS}", [user_id]),
        ("DELETE FROM tickets WHERE user_id = ?", [user_id]),
    ]
    return counts, deletes


@dataclass(frozen=True)
class Erasure:
    """What deleting a resident's data removes (or removed): rows per table."""

    user_id: int
    counts: dict[str, int]
    done: bool  # False for a dry run
    # False when another connection (the running service) kept the WAL from being emptied:
    # the old pages go at its next checkpoint.
    wal_emptied: bool = False


class ErasureStore(SQLDatabase):
    """The deletion-on-request part of the store."""

    async def forget_resident(
        self, user_id: int, actor: str, at: datetime, *, dry_run: bool = False
    ) -> Erasure:
        """Delete everything stored about `user_id` (every channel) in one transaction and
        record that it happened; with `dry_run`, only count what would go.

        On SQLite the deleted rows are overwritten, not just unlinked (secure_delete), and the
        WAL is checkpointed and emptied, so their text is not left in the file either.
        """
        async with self.erasing():
            erasure = await self._forget(user_id, actor, at, dry_run=dry_run)
        if not erasure.done:
            return erasure
        return replace(erasure, wal_emptied=await self.empty_log())

    async def _forget(self, user_id: int, actor: str, at: datetime, *, dry_run: bool) -> Erasure:
        async with self.transaction():
            counted, deletes = _statements(self.dialect, user_id, await self._chats(user_id))
            counts: dict[str, int] = {}
            for label, sql, params in counted:
                row = await self.row(sql, params)
                counts[label] = int(row[0]) if row else 0
            if dry_run:
                return Erasure(user_id, counts, done=False)
            for sql, params in deletes:
                await self.change(sql, params)
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
