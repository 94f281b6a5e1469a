"""The ticket store: tickets and their history (`TicketRecords`, in SQL both backends run),
and `SQLiteTicketStore`, the embedded implementation (aiosqlite, WAL, versioned migrations) of
the `TicketStore` interface: the ticket records and the other parts over one SQLite
`database.Database`. The PostgreSQL store (bot/store/postgres.py) is the same parts over a
connection pool.
"""

from __future__ import annotations

import json
import statistics
from datetime import datetime, timedelta

from bot.store.chat_state import StateStore
from bot.store.console import ConsoleStore
from bot.store.database import Database, TicketNotFound, from_text, to_text
from bot.store.erasure import ErasureStore
from bot.store.inbox import InboxStore
from bot.store.leases import LeaseStore
from bot.store.model import (
    CATEGORIES,
    STATUSES,
    TAKEN_FROM,
    ClaimedByOtherError,
    Event,
    NewTicket,
    Stats,
    Ticket,
    TicketQuery,
    next_status,
)
from bot.store.outbox import OutboxStore
from bot.store.processed import ProcessedStore
from bot.store.proposals import ProposalStore
from bot.store.search import search_filter, search_order
from bot.store.sql import Dialect, Row
from bot.store.staffwork import StaffWorkStore
from bot.store.workflow import WorkflowStore


def ticket_select(dialect: Dialect) -> str:
    """A ticket with its attachments and the latest staff reply; WHERE … follows."""
    return f"""
SELECT t.*,
  (SELECT {dialect.files} FROM attachments a WHERE a.ticket_number = t.number) AS files,
  (SELECT e.text FROM events e WHERE e.ticket_number = t.number AND e.kind = 'staff_reply'
    ORDER BY e.id DESC LIMIT 1) AS last_staff_reply
FROM tickets t
"""


class TicketRecords(StateStore):
    """Tickets and their history (the part of the store staff work on), with the chat state
    and answers their statistics count feedback from."""

    async def create_ticket(self, new: NewTicket, at: datetime) -> tuple[Ticket, bool]:
        """File a ticket with its `created` event; return (ticket, True), or the ticket this
        idempotency key already made and False."""
        async with self.transaction():
            if new.idempotency_key is not None:
                row = await self.row(
                    "SELECT number FROM tickets WHERE idempotency_key = ?", (new.idempotency_key,)
                )
                if row is not None:
                    return await self.ticket(row["number"]), False
            when = to_text(at)
            number = await self.execute(
                "INSERT INTO tickets (created_at, updated_at, user_id, chat_id, name, language,"
                " channel, category, text, candidates, phone, idempotency_key, answer_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    when,
                    when,
                    new.user_id,
                    new.chat_id,
                    new.name,
                    new.language,
                    new.channel,
                    new.category,
                    new.text,
                    json.dumps(new.candidates),
                    new.phone,
                    new.idempotency_key,
                    new.answer_id,
                ),
            )
            await self._add_event(number, "created", f"user:{new.user_id}", at, new.category)
            await self._attach(number, new.attachments, at)
            return await self.ticket(number), True

    async def ticket(self, number: int) -> Ticket:
        row = await self.row(ticket_select(self.dialect) + " WHERE t.number = ?", (number,))
        if row is None:
            raise TicketNotFound(f"ticket #{number} does not exist")
        return ticket_from_row(row)

    async def tickets(
        self,
        *,
        statuses: tuple[str, ...] = (),
        category: str | None = None,
        created_before: datetime | None = None,
        channel: str | None = None,
        user_id: int | None = None,
        idempotency_key: str | None = None,
        limit: int | None = None,
        oldest_first: bool = False,
    ) -> list[Ticket]:
        """Tickets matching every filter given, newest first (or oldest first: a work queue)."""
        where: list[str] = []
        params: list[object] = []
        if statuses:
            where.append(f"t.status IN ({', '.join('?' for _ in statuses)})")
            params.extend(statuses)
        equal: dict[str, object] = {
            "t.category": category,
            "t.channel": channel,
            "t.user_id": user_id,
            "t.idempotency_key": idempotency_key,
        }
        for column, value in equal.items():
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if created_before is not None:
            where.append("t.created_at <= ?")
            params.append(to_text(created_before))
        sql = ticket_select(self.dialect) + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY t.number" + ("" if oldest_first else " DESC")
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [ticket_from_row(row) for row in await self.rows(sql, params)]

    async def search(self, query: TicketQuery) -> list[Ticket]:
        """Tickets matching every filter of `query`, in its order (staff queues and search)."""
        where, params = search_filter(query, self.dialect)
        sql = ticket_select(self.dialect) + where + f" ORDER BY {search_order(query)}"
        if query.limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [query.limit, query.offset]
        return [ticket_from_row(row) for row in await self.rows(sql, params)]

    async def search_count(self, query: TicketQuery) -> int:
        """How many tickets match `query` (its limit and offset aside): for paging."""
        where, params = search_filter(query, self.dialect)
        row = await self.row("SELECT COUNT(*) AS n FROM tickets t" + where, params)
        return int(row["n"]) if row else 0

    async def events(self, number: int) -> list[Event]:
        await self.ticket(number)
        rows = await self.rows(
            "SELECT * FROM events WHERE ticket_number = ? ORDER BY id", (number,)
        )
        return [
            Event(
                row["ticket_number"], row["kind"], row["actor"], from_text(row["at"]), row["text"]
            )
            for row in rows
        ]

    async def count_tickets(
        self, channel: str, user_id: int, *, open_only: bool, since: datetime | None = None
    ) -> int:
        sql = "SELECT COUNT(*) AS n FROM tickets WHERE channel = ? AND user_id = ?"
        params: list[object] = [channel, user_id]
        if open_only:
            sql += " AND status != 'closed'"
        if since is not None:
            sql += " AND created_at >= ?"
            params.append(to_text(since))
        row = await self.row(sql, params)
        return int(row["n"]) if row else 0

    async def claim(
        self, number: int, actor: str, at: datetime, *, take_over: bool = False
    ) -> Ticket:
        """Make `actor` the assignee. A ticket someone else holds raises ClaimedByOtherError
        unless `take_over`, which is recorded in the history with the previous holder.

        The update is conditional (`assignee IS NULL OR assignee = actor`), so of two claims
        at the same moment, from any process, exactly one wins.
        """
        async with self.transaction():
            ticket = await self._locked(number)
            next_status(ticket, "claimed")  # a closed ticket raises
            when = to_text(at)
            if take_over:
                changed = await self.change(
                    "UPDATE tickets SET status = 'claimed', updated_at = ?, assignee = ?"
                    " WHERE number = ? AND status != 'closed'",
                    (when, actor, number),
                )
            else:
                changed = await self.change(
                    "UPDATE tickets SET status = 'claimed', updated_at = ?, assignee = ?"
                    " WHERE number = ? AND status != 'closed'"
                    " AND (assignee IS NULL OR assignee = ?)",
                    (when, actor, number, actor),
                )
            if not changed:
                holder = (await self.ticket(number)).assignee
                raise ClaimedByOtherError(number, holder or "?")
            previous = ticket.assignee
            note = f"{TAKEN_FROM}{previous}" if previous and previous != actor else ""
            await self._add_event(number, "claimed", actor, at, note)
            return await self.ticket(number)

    async def staff_reply(self, number: int, actor: str, text: str, at: datetime) -> Ticket:
        return await self._change(number, "staff_reply", actor, text, at, assignee=actor)

    async def close_ticket(self, number: int, actor: str, note: str, at: datetime) -> Ticket:
        return await self._change(number, "closed", actor, note, at)

    async def reopen(self, number: int, actor: str, at: datetime) -> Ticket:
        return await self._change(number, "reopened", actor, "", at)

    async def assign(self, number: int, actor: str, assignee: str, at: datetime) -> Ticket:
        """Make `assignee` the ticket's holder (assign or reassign; a closed ticket raises);
        the history records who did it and the previous holder (event text "to|from")."""
        async with self.transaction():
            ticket = await self._locked(number)
            status = next_status(ticket, "assigned")
            await self.execute(
                "UPDATE tickets SET status = ?, updated_at = ?, assignee = ? WHERE number = ?",
                (status, to_text(at), assignee, number),
            )
            await self._add_event(
                number, "assigned", actor, at, f"{assignee}|{ticket.assignee or ''}"
            )
            return await self.ticket(number)

    async def release(self, number: int, actor: str, at: datetime) -> Ticket:
        """Take the ticket off its holder's list (claimed → open); the history keeps who held it."""
        async with self.transaction():
            ticket = await self._locked(number)
            status = next_status(ticket, "released")
            await self.execute(
                "UPDATE tickets SET status = ?, updated_at = ?, assignee = NULL WHERE number = ?",
                (status, to_text(at), number),
            )
            await self._add_event(number, "released", actor, at, ticket.assignee or "")
            return await self.ticket(number)

    async def add_note(self, number: int, actor: str, text: str, at: datetime) -> Ticket:
        """Add an internal note to the history (any status; the status does not change)."""
        return await self._change(number, "note", actor, text, at)

    async def record_event(
        self, number: int, kind: str, actor: str, text: str, at: datetime
    ) -> None:
        """Add an event that changes nothing else (e.g. "notice_failed")."""
        await self._change(number, kind, actor, text, at)

    async def add_followup(
        self, number: int, actor: str, text: str, attachments: tuple[str, ...], at: datetime
    ) -> Ticket:
        async with self.transaction():
            await self._change(number, "resident_followup", actor, text, at)
            await self._attach(number, attachments, at)
            return await self.ticket(number)

    async def stats(self) -> Stats:
        by_status: dict[str, int] = dict.fromkeys(STATUSES, 0)
        by_category: dict[str, int] = dict.fromkeys(CATEGORIES, 0)
        for row in await self.rows("SELECT status, category FROM tickets"):
            by_status[row["status"]] += 1
            by_category[row["category"]] += 1
        rows = await self.rows(
            "SELECT t.created_at, MIN(e.at) AS first_reply FROM tickets t"
            " JOIN events e ON e.ticket_number = t.number AND e.kind = 'staff_reply'"
            " GROUP BY t.number"
        )
        waits = [from_text(r["first_reply"]) - from_text(r["created_at"]) for r in rows]
        median = (
            timedelta(seconds=statistics.median(w.total_seconds() for w in waits))
            if waits
            else None
        )
        return Stats(
            by_status,
            by_category,
            median,
            len(waits),
            await self.feedback_counts(),
        )

    async def purge(self, closed_before: datetime, *, dry_run: bool = False) -> int:
        """Retention: delete closed tickets last changed before the cutoff (with their events,
        attachments and messages), and answers, idle chat states, sent messages and the
        record of processed messages (with the replies they got) older than it; return how many
        tickets went (or, with `dry_run`, would go). The 👍/👎 votes on the answers that go are
        added to `vote_totals` first, so the counts survive."""
        cutoff = to_text(closed_before)
        async with self.transaction():
            row = await self.row(
                "SELECT COUNT(*) AS n FROM tickets WHERE status = 'closed' AND updated_at < ?",
                (cutoff,),
            )
            if dry_run:
                return int(row["n"]) if row else 0
            await self.execute(
                "INSERT INTO vote_totals (vote, count)"
                " SELECT e.text, COUNT(*) FROM events e JOIN answers a ON a.id = e.answer_id"
                " WHERE e.kind = 'feedback' AND a.created_at < ? GROUP BY e.text"
                " ON CONFLICT (vote) DO UPDATE SET count = vote_totals.count + excluded.count",
                (cutoff,),
            )
            await self.execute(
                "DELETE FROM tickets WHERE status = 'closed' AND updated_at < ?", (cutoff,)
            )
            await self.execute("DELETE FROM answers WHERE created_at < ?", (cutoff,))
            await self.execute("DELETE FROM chat_state WHERE updated_at < ?", (cutoff,))
            await self.execute(
                "DELETE FROM outbox WHERE sent_at IS NOT NULL AND created_at < ?", (cutoff,)
            )
            await self.execute("DELETE FROM processed_messages WHERE created_at < ?", (cutoff,))
            await self.execute(
                "DELETE FROM inbox WHERE state IN ('done', 'failed') AND received_at < ?",
                (cutoff,),
            )
        return int(row["n"]) if row else 0

    async def _change(
        self,
        number: int,
        kind: str,
        actor: str,
        text: str,
        at: datetime,
        *,
        assignee: str | None = None,
    ) -> Ticket:
        async with self.transaction():
            ticket = await self._locked(number)
            status = next_status(ticket, kind)
            await self.execute(
                "UPDATE tickets SET status = ?, updated_at = ?,"
                " assignee = COALESCE(assignee, ?) WHERE number = ?",
                (status, to_text(at), assignee, number),
            )
            await self._add_event(number, kind, actor, at, text)
            return await self.ticket(number)

    async def _locked(self, number: int) -> Ticket:
        """The ticket, its row locked until the transaction ends (PostgreSQL: a change made
        at the same moment elsewhere waits, then reads what this one wrote)."""
        if self.dialect.for_update:
            await self.row(
                f"SELECT number FROM tickets WHERE number = ?{self.dialect.for_update}", (number,)
            )
        return await self.ticket(number)

    async def _add_event(self, number: int, kind: str, actor: str, at: datetime, text: str) -> None:
        await self.execute(
            "INSERT INTO events (ticket_number, kind, actor, at, text) VALUES (?, ?, ?, ?, ?)",
            (number, kind, actor, to_text(at), text),
        )

    async def _attach(self, number: int, files: tuple[str, ...], at: datetime) -> None:
        for file_ref in files:
            await self.execute(
                "INSERT INTO attachments (ticket_number, file_ref, added_at) VALUES (?, ?, ?)",
                (number, file_ref, to_text(at)),
            )


def ticket_from_row(row: Row) -> Ticket:
    return Ticket(
        number=row["number"],
        created_at=from_text(row["created_at"]),
        updated_at=from_text(row["updated_at"]),
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        name=row["name"],
        language=row["language"],
        channel=row["channel"],
        category=row["category"],
        text=row["text"],
        candidates=tuple((str(e), float(s)) for e, s in json.loads(row["candidates"])),
        status=row["status"],
        assignee=row["assignee"],
        phone=row["phone"],
        attachments=tuple(row["files"].split("\n")) if row["files"] else (),
        last_staff_reply=row["last_staff_reply"],
        idempotency_key=row["idempotency_key"],
    )


class SQLiteTicketStore(
    TicketRecords,
    OutboxStore,
    ProcessedStore,
    ErasureStore,
    InboxStore,
    StaffWorkStore,
    WorkflowStore,
    ProposalStore,
    ConsoleStore,
    LeaseStore,
    Database,
):
    """The embedded store: one SQLite file in WAL mode."""
