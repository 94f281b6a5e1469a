"""Migration step 6 carries a database made by the previous schema (step 5) forward: every
ticket, event (ids kept), answer and vote is still there, and the new history kinds, snippets
and staff names work on it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bot.store.migrations import MIGRATIONS, current_version, migrate
from bot.store.sqlite import SQLiteTicketStore

AT = "2026-03-01T09:00:00.000000+00:00"
WHEN = datetime(2026, 3, 2, tzinfo=UTC)


async def make_step_5_database(path: Path) -> None:
    """A database as the code before step 6 left it, with a ticket, its history and a vote."""
    db = await aiosqlite.connect(path, isolation_level=None)
    try:
        await db.execute("PRAGMA foreign_keys = ON")
        assert await migrate(db, MIGRATIONS[:5]) == [1, 2, 3, 4, 5]
        await db.execute(
            "INSERT INTO tickets (created_at, updated_at, user_id, chat_id, channel, category,"
            " text, status, assignee) VALUES (?, ?, 5, 5, 'telegram', 'unanswered', '旧问题',"
            " 'claimed', 'staff:42')",
            (AT, AT),
        )
        await db.execute(
            "INSERT INTO answers (channel, chat_id, user_id, question, created_at)"
            " VALUES ('telegram', 5, 5, '旧答案', ?)",
            (AT,),
        )
        for kind, answer, text in (
            ("created", None, "unanswered"),
            ("claimed", None, ""),
            ("staff_reply", None, "旧回复"),
            ("feedback", 1, "up"),
        ):
            ticket = None if answer else 1
            await db.execute(
                "INSERT INTO events (ticket_number, answer_id, kind, actor, at, text)"
                " VALUES (?, ?, ?, 'staff:42', ?, ?)",
                (ticket, answer, kind, AT, text),
            )
    finally:
        await db.close()


async def test_step_6_keeps_everything_and_adds_the_staff_work(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    await make_step_5_database(path)
    store = SQLiteTicketStore(path)
    await store.open()
    try:
        assert await current_version(store.db) == MIGRATIONS[-1][0]
        ticket = await store.ticket(1)
        assert (ticket.text, ticket.status, ticket.assignee, ticket.last_staff_reply) == (
            "旧问题",
            "claimed",
            "staff:42",
            "旧回复",
        )
        rows = await store.rows("SELECT id, kind, text FROM events ORDER BY id")
        assert [tuple(r) for r in rows] == [
            (1, "created", "unanswered"),
            (2, "claimed", ""),
            (3, "staff_reply", "旧回复"),
            (4, "feedback", "up"),
        ]
        assert (await store.stats()).feedback == {"up": 1}

        await store.add_note(1, "staff:42", "内部备注", WHEN)
        await store.release(1, "staff:42", WHEN)
        await store.assign(1, "staff:42", "staff:43", WHEN)
        await store.save_snippet("口径", "文本", "cli", WHEN)
        await store.remember_staff(43, "李四", "lisi", WHEN)
        kinds = [e.kind for e in await store.events(1)]
        assert kinds == ["created", "claimed", "staff_reply", "note", "released", "assigned"]
        assert (await store.snippet("口径")).text == "文本"
        assert [(m.user_id, m.name) for m in await store.staff_members()] == [(43, "李四")]
        # the rebuilt table keeps its foreign keys: deleting an answer deletes its votes
        await store.execute("DELETE FROM answers")
        assert await store.rows("SELECT * FROM events WHERE kind = 'feedback'") == []
    finally:
        await store.close()
