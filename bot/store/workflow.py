"""The workflow's data in the SQLite store: when each ticket's limits were met (milestones, read
from the history), the residents' 好差评 ratings and the follow-ups of bad ones, the due-time
notices already sent (so each goes out once), and the counts the team lead's stats need.

Plain SQL that PostgreSQL runs as well (no SQLite-only functions); working-time figures are
computed in Python by the helpdesk (`bot.helpdesk.deadlines`, `bot.helpdesk.stats`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime

from bot.store.database import Database, TicketNotFound, from_text, to_text
from bot.store.model import (
    ACCEPT_KINDS,
    AlreadyRatedError,
    Milestones,
    NotRatedBadError,
    Rating,
)

CHUNK = 500  # numbers per IN (...) list


class WorkflowStore(Database):
    """Milestones, ratings, due notices and activity counts."""

    async def milestones(self, numbers: Collection[int]) -> dict[int, Milestones]:
        """For each ticket: its first staff action, first staff reply and last close."""
        found: dict[int, dict[str, object]] = {n: {} for n in numbers}
        ordered = sorted(found)
        kinds = ", ".join(f"'{k}'" for k in ACCEPT_KINDS)
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows = await self.rows(
                "SELECT ticket_number, kind, actor, at FROM events"
                f" WHERE ticket_number IN ({marks}) AND kind IN ({kinds}, 'reopened')"
                " ORDER BY id",
                chunk,
            )
            for row in rows:
                _note(found[row["ticket_number"]], row)
        return {
            number: Milestones(
                accepted_at=_time(values.get("accepted_at")),
                first_reply_at=_time(values.get("first_reply_at")),
                closed_at=_time(values.get("closed_at")),
                closed_by=_text(values.get("closed_by")),
            )
            for number, values in found.items()
        }

    async def rate(
        self,
        number: int,
        user_id: int,
        rating: int,
        follow_up_due: datetime | None,
        at: datetime,
    ) -> Rating:
        """Record the resident's rating (once per ticket: AlreadyRatedError after that) and a
        `rated` event in the history."""
        async with self.transaction():
            if await self.row("SELECT 1 FROM tickets WHERE number = ?", (number,)) is None:
                raise TicketNotFound(f"ticket #{number} does not exist")
            added = await self.change(
                "INSERT INTO ratings (ticket_number, user_id, rating, rated_at, follow_up_due_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (ticket_number) DO NOTHING",
                (
                    number,
                    user_id,
                    rating,
                    to_text(at),
                    None if follow_up_due is None else to_text(follow_up_due),
                ),
            )
            if not added:
                raise AlreadyRatedError(f"ticket #{number} is rated already")
            await self._event(number, "rated", f"user:{user_id}", str(rating), at)
            return await self.rating(number)

    async def add_rating_comment(self, number: int, text: str, at: datetime) -> Rating:
        """The resident's optional comment after rating (the first one counts)."""
        async with self.transaction():
            rating = await self.rating(number)
            if rating.comment is not None:
                raise AlreadyRatedError(f"ticket #{number} has a rating comment already")
            await self.execute(
                "UPDATE ratings SET comment = ? WHERE ticket_number = ?", (text, number)
            )
            await self._event(number, "rating_comment", f"user:{rating.user_id}", text, at)
            return await self.rating(number)

    async def rating(self, number: int) -> Rating:
        """The ticket's rating; TicketNotFound when it has none."""
        found = await self.ratings(numbers=(number,))
        if not found:
            raise TicketNotFound(f"ticket #{number} has no rating")
        return found[0]

    async def ratings(
        self,
        *,
        numbers: Sequence[int] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        open_follow_ups: bool = False,
    ) -> list[Rating]:
        """Ratings of these tickets, or rated in [since, until); `open_follow_ups`: only bad
        ratings whose follow-up is not recorded."""
        where: list[str] = []
        params: list[object] = []
        if numbers:
            where.append(f"ticket_number IN ({', '.join('?' for _ in numbers)})")
            params.extend(numbers)
        if since is not None:
            where.append("rated_at >= ?")
            params.append(to_text(since))
        if until is not None:
            where.append("rated_at < ?")
            params.append(to_text(until))
        if open_follow_ups:
            where.append("follow_up_due_at IS NOT NULL AND followed_up_at IS NULL")
        sql = "SELECT * FROM ratings" + (" WHERE " + " AND ".join(where) if where else "")
        rows = await self.rows(sql + " ORDER BY ticket_number", params)
        return [_rating(row) for row in rows]

    async def record_follow_up(self, number: int, actor: str, text: str, at: datetime) -> Rating:
        """Staff's follow-up (回访) of a bad rating: kept with the rating and in the history.
        NotRatedBadError when the ticket has no bad rating."""
        async with self.transaction():
            try:
                rating = await self.rating(number)
            except TicketNotFound:
                await self._exists(number)
                raise NotRatedBadError(f"ticket #{number} has no bad rating") from None
            if rating.follow_up_due_at is None:
                raise NotRatedBadError(f"ticket #{number} has no bad rating")
            await self.execute(
                "UPDATE ratings SET followed_up_at = ?, followed_up_by = ?, follow_up = ?"
                " WHERE ticket_number = ?",
                (to_text(at), actor, text, number),
            )
            await self._event(number, "followed_up", actor, text, at)
            return await self.rating(number)

    async def note_due(self, items: Sequence[tuple[int, str, str]], at: datetime) -> set[int]:
        """Record (ticket, limit, state) notices; return the indexes of the ones new here (the
        others were noticed before and are not repeated)."""
        new: set[int] = set()
        async with self.transaction():
            for index, (number, kind, state) in enumerate(items):
                added = await self.change(
                    "INSERT INTO due_notices (ticket_number, due_kind, state, noticed_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (number, kind, state, to_text(at)),
                )
                if added:
                    new.add(index)
        return new

    async def staff_activity(self, since: datetime, until: datetime) -> dict[str, dict[str, int]]:
        """Per staff actor, how many claims, replies, closes, notes and follow-ups they made
        in [since, until)."""
        rows = await self.rows(
            "SELECT actor, kind, COUNT(*) AS n FROM events WHERE at >= ? AND at < ?"
            " AND actor NOT LIKE 'user:%' AND kind IN ('claimed', 'assigned', 'staff_reply',"
            " 'closed', 'note', 'followed_up') GROUP BY actor, kind",
            (to_text(since), to_text(until)),
        )
        activity: dict[str, dict[str, int]] = {}
        for row in rows:
            activity.setdefault(row["actor"], {})[row["kind"]] = int(row["n"])
        return activity

    async def answer_counts(self, since: datetime, until: datetime) -> tuple[int, int]:
        """Questions the knowledge base answered in [since, until), and how many of them
        became a ticket all the same (👎, 转人工)."""
        row = await self.row(
            "SELECT COUNT(*) AS answered, SUM(CASE WHEN EXISTS (SELECT 1 FROM tickets t"
            " WHERE t.answer_id = a.id) THEN 1 ELSE 0 END) AS ticketed"
            " FROM answers a WHERE a.entry_id IS NOT NULL AND a.created_at >= ?"
            " AND a.created_at < ?",
            (to_text(since), to_text(until)),
        )
        if row is None:
            return 0, 0
        return int(row["answered"] or 0), int(row["ticketed"] or 0)

    async def count_direct_tickets(self, since: datetime, until: datetime) -> int:
        """Tickets filed in [since, until) that did not come from a question the knowledge
        base answered (a 都不是 after a choice of entries counts as not answered)."""
        row = await self.row(
            "SELECT COUNT(*) AS n FROM tickets t WHERE t.created_at >= ? AND t.created_at < ?"
            " AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.id = t.answer_id"
            " AND a.entry_id IS NOT NULL)",
            (to_text(since), to_text(until)),
        )
        return int(row["n"]) if row else 0

    async def _exists(self, number: int) -> None:
        if await self.row("SELECT 1 FROM tickets WHERE number = ?", (number,)) is None:
            raise TicketNotFound(f"ticket #{number} does not exist")

    async def _event(self, number: int, kind: str, actor: str, text: str, at: datetime) -> None:
        await self.execute(
            "INSERT INTO events (ticket_number, kind, actor, at, text) VALUES (?, ?, ?, ?, ?)",
            (number, kind, actor, to_text(at), text),
        )


def _note(values: dict[str, object], row: sqlite3.Row) -> None:
    """Fold one history row (in order) into the milestones being gathered."""
    by_staff = not str(row["actor"]).startswith("user:")
    kind, at = row["kind"], row["at"]
    if kind == "reopened":
        values.pop("closed_at", None)
        values.pop("closed_by", None)
        return
    if by_staff and "accepted_at" not in values:
        values["accepted_at"] = at
    if kind == "staff_reply" and "first_reply_at" not in values:
        values["first_reply_at"] = at
    if kind == "closed":
        values["closed_at"] = at
        values["closed_by"] = row["actor"]


def _time(value: object) -> datetime | None:
    return None if value is None else from_text(str(value))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _rating(row: sqlite3.Row) -> Rating:
    return Rating(
        ticket_number=row["ticket_number"],
        user_id=row["user_id"],
        rating=row["rating"],
        comment=row["comment"],
        rated_at=from_text(row["rated_at"]),
        follow_up_due_at=_time(row["follow_up_due_at"]),
        followed_up_at=_time(row["followed_up_at"]),
        followed_up_by=row["followed_up_by"],
        follow_up=row["follow_up"],
    )
