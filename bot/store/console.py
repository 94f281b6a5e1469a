"""The staff web console's data in the SQLite store: one-time login links and sessions (only
hashes of their secrets are kept), and the raw figures its stats and knowledge pages count
(tickets with their first staff reply, answers given). Plain SQL with `?` placeholders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.database import from_text, to_text
from bot.store.sql import SQLDatabase


class ConsoleLinkRefusedError(LookupError):
    """Raised when a login link cannot be used: `reason` is "unknown", "used" or "expired"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConsoleSessionNotFound(LookupError):  # noqa: N818 -- reads like TicketNotFound
    """Raised when a console session id is unknown (never made, logged out or forgotten)."""


@dataclass(frozen=True)
class ConsoleSession:
    user_id: int
    csrf: str
    created_at: datetime
    seen_at: datetime


@dataclass(frozen=True)
class TicketFigure:
    """What the stats count of one ticket: when, which kind, the first staff reply and the
    question."""

    number: int
    created_at: datetime
    category: str
    first_reply_at: datetime | None
    text: str


class ConsoleStore(SQLDatabase):
    """Login links, sessions and the console's figures."""

    async def add_console_link(
        self, token_hash: str, user_id: int, at: datetime, expires_at: datetime
    ) -> None:
        await self.execute(
            "INSERT INTO console_links (token_hash, user_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (token_hash, user_id, to_text(at), to_text(expires_at)),
        )

    async def use_console_link(self, token_hash: str, at: datetime) -> int:
        """Mark the link used and return its staff user id; ConsoleLinkRefusedError when it is
        unknown, already used or expired. Of two uses at the same moment exactly one wins."""
        async with self.transaction():
            changed = await self.change(
                "UPDATE console_links SET used_at = ?"
                " WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
                (to_text(at), token_hash, to_text(at)),
            )
            row = await self.row(
                "SELECT user_id, used_at FROM console_links WHERE token_hash = ?", (token_hash,)
            )
        if row is None:
            raise ConsoleLinkRefusedError("unknown")
        if not changed:
            raise ConsoleLinkRefusedError("used" if row["used_at"] else "expired")
        return int(row["user_id"])

    async def start_console_session(
        self, id_hash: str, user_id: int, csrf: str, at: datetime
    ) -> None:
        when = to_text(at)
        await self.execute(
            "INSERT INTO console_sessions (id_hash, user_id, csrf, created_at, seen_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (id_hash, user_id, csrf, when, when),
        )

    async def console_session(self, id_hash: str) -> ConsoleSession:
        row = await self.row("SELECT * FROM console_sessions WHERE id_hash = ?", (id_hash,))
        if row is None:
            raise ConsoleSessionNotFound(id_hash[:8])
        return ConsoleSession(
            row["user_id"], row["csrf"], from_text(row["created_at"]), from_text(row["seen_at"])
        )

    async def touch_console_session(self, id_hash: str, at: datetime) -> None:
        await self.execute(
            "UPDATE console_sessions SET seen_at = ? WHERE id_hash = ?", (to_text(at), id_hash)
        )

    async def end_console_session(self, id_hash: str) -> None:
        await self.execute("DELETE FROM console_sessions WHERE id_hash = ?", (id_hash,))

    async def forget_console_logins(self, before: datetime) -> None:
        """Delete sessions idle since before `before` and links that expired before it."""
        async with self.transaction():
            await self.execute("DELETE FROM console_sessions WHERE seen_at < ?", (to_text(before),))
            await self.execute("DELETE FROM console_links WHERE expires_at < ?", (to_text(before),))

    async def ticket_figures(self, since: datetime, until: datetime) -> list[TicketFigure]:
        """Tickets created in [since, until) with their first staff reply, oldest first."""
        rows = await self.rows(
            "SELECT t.number, t.created_at, t.category, t.text,"
            " (SELECT MIN(e.at) FROM events e WHERE e.ticket_number = t.number"
            "  AND e.kind = 'staff_reply') AS first_reply"
            " FROM tickets t WHERE t.created_at >= ? AND t.created_at < ? ORDER BY t.number",
            (to_text(since), to_text(until)),
        )
        figures = []
        for r in rows:
            figures.append(
                TicketFigure(
                    r["number"],
                    from_text(r["created_at"]),
                    r["category"],
                    from_text(r["first_reply"]) if r["first_reply"] else None,
                    r["text"],
                )
            )
        return figures

    async def answers_given(self, since: datetime, until: datetime) -> list[tuple[datetime, str]]:
        """(when, entry id) of each question the knowledge base answered in [since, until)."""
        rows = await self.rows(
            "SELECT created_at, entry_id FROM answers"
            " WHERE entry_id IS NOT NULL AND created_at >= ? AND created_at < ?",
            (to_text(since), to_text(until)),
        )
        return [(from_text(r["created_at"]), r["entry_id"]) for r in rows]
