"""The staff's own data in the store (either backend): saved standard replies (snippets,
答复口径) and
the staff members as Telegram last showed them (names for lists, @username for /assign)."""

from __future__ import annotations

from datetime import datetime

from bot.store.database import from_text, to_text
from bot.store.model import Snippet, StaffMember
from bot.store.sql import SQLDatabase


class SnippetNotFound(LookupError):  # noqa: N818 -- reads like TicketNotFound beside it
    """Raised when no snippet has the name asked for."""


class StaffWorkStore(SQLDatabase):
    """Snippets and staff members."""

    async def save_snippet(self, name: str, text: str, actor: str, at: datetime) -> bool:
        """Save (or replace) a snippet; return True when it is new."""
        async with self.transaction():
            existed = await self.row("SELECT 1 FROM snippets WHERE name = ?", (name,))
            await self.execute(
                "INSERT INTO snippets (name, text, created_by, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET text = excluded.text,"
                " created_by = excluded.created_by, created_at = excluded.created_at",
                (name, text, actor, to_text(at)),
            )
            return existed is None

    async def snippet(self, name: str) -> Snippet:
        row = await self.row("SELECT * FROM snippets WHERE name = ?", (name,))
        if row is None:
            raise SnippetNotFound(name)
        return Snippet(row["name"], row["text"], row["created_by"], from_text(row["created_at"]))

    async def snippets(self) -> list[Snippet]:
        rows = await self.rows("SELECT * FROM snippets ORDER BY name")
        return [
            Snippet(r["name"], r["text"], r["created_by"], from_text(r["created_at"])) for r in rows
        ]

    async def remove_snippet(self, name: str) -> None:
        """Delete a snippet; raises SnippetNotFound when there is none of that name."""
        if not await self.change("DELETE FROM snippets WHERE name = ?", (name,)):
            raise SnippetNotFound(name)

    async def remember_staff(
        self, user_id: int, name: str, username: str | None, at: datetime
    ) -> None:
        """Keep a staff member's Telegram name (and @username) as last seen."""
        await self.execute(
            "INSERT INTO staff_members (user_id, name, username, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET name = excluded.name,"
            " username = COALESCE(excluded.username, staff_members.username),"
            " updated_at = excluded.updated_at"
            " WHERE staff_members.name != excluded.name"
            " OR COALESCE(staff_members.username, '') != COALESCE(excluded.username, '')",
            (user_id, name, username, to_text(at)),
        )

    async def staff_members(self) -> list[StaffMember]:
        rows = await self.rows("SELECT * FROM staff_members ORDER BY user_id")
        return [StaffMember(r["user_id"], r["name"], r["username"]) for r in rows]
