"""Migration step 7 carries a step-6 database forward: every ticket, event (ids kept), note,
snippet, staff name and vote total is still there; old tickets get due times, can be rated and
followed up, and the new history kinds are accepted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bot.config import Settings
from bot.helpdesk.deadlines import load_rules, timings
from bot.store.migrations import MIGRATIONS, current_version, migrate
from bot.store.model import TicketQuery
from bot.store.sqlite import SQLiteTicketStore

AT = "2026-03-02T02:00:00.000000+00:00"  # Monday 10:00 in Shanghai
WHEN = datetime(2026, 3, 4, 2, tzinfo=UTC)


async def make_step_6_database(path: Path) -> None:
    """A database as the code before step 7 left it: a closed ticket with a reply and a note,
    an open one, an answer with a vote, a snippet, a staff name, vote totals."""
    db = await aiosqlite.connect(path, isolation_level=None)
    try:
        await db.execute("PRAGMA foreign_keys = ON")
        assert await migrate(db, MIGRATIONS[:6]) == [1, 2, 3, 4, 5, 6]
        for status in ("closed", "open"):
            await db.execute(
                "INSERT INTO tickets (created_at, updated_at, user_id, chat_id, channel,"
                " category, text, status) VALUES (?, ?, 5, 5, 'telegram', 'unanswered',"
                " '旧问题', ?)",
                (AT, AT, status),
            )
        await db.execute(
            "INSERT INTO answers (channel, chat_id, user_id, question, entry_id, created_at)"
            " VALUES ('telegram', 5, 5, '旧答案', 'e1', ?)",
            (AT,),
        )
        for ticket, answer, kind, actor, text in (
            (1, None, "created", "user:5", "unanswered"),
            (1, None, "staff_reply", "staff:42", "旧回复"),
            (1, None, "note", "staff:42", "内部备注"),
            (1, None, "closed", "staff:42", ""),
            (2, None, "created", "user:5", "unanswered"),
            (None, 1, "feedback", "user:5", "up"),
        ):
            await db.execute(
                "INSERT INTO events (ticket_number, answer_id, kind, actor, at, text)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (ticket, answer, kind, actor, AT, text),
            )
        await db.execute(
            "INSERT INTO snippets (name, text, created_by, created_at) VALUES ('口径', '文本',"
            " 'cli', ?)",
            (AT,),
        )
        await db.execute(
            "INSERT INTO staff_members (user_id, name, updated_at) VALUES (42, '张三', ?)", (AT,)
        )
        await db.execute("INSERT INTO vote_totals (vote, count) VALUES ('down', 3)")
    finally:
        await db.close()


async def test_step_7_keeps_everything_and_adds_the_workflow(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    await make_step_6_database(path)
    store = SQLiteTicketStore(path)
    await store.open()
    try:
        assert await current_version(store.db) == MIGRATIONS[-1][0] == len(MIGRATIONS)
        rows = await store.rows("SELECT id, ticket_number, kind, text FROM events ORDER BY id")
        assert [tuple(r) for r in rows] == [
            (1, 1, "created", "unanswered"),
            (2, 1, "staff_reply", "旧回复"),
            (3, 1, "note", "内部备注"),
            (4, 1, "closed", ""),
            (5, 2, "created", "unanswered"),
            (6, None, "feedback", "up"),
        ]
        assert [(t.number, t.status) for t in await store.tickets(oldest_first=True)] == [
            (1, "closed"),
            (2, "open"),
        ]
        assert (await store.ticket(1)).last_staff_reply == "旧回复"
        assert (await store.snippet("口径")).text == "文本"
        assert [m.name for m in await store.staff_members()] == ["张三"]
        assert (await store.stats()).feedback == {"up": 1, "down": 3}

        rules = load_rules(Settings())
        times = await timings(store, rules, await store.tickets(oldest_first=True))
        assert times[1].answer.met_on_time
        assert times[2].next_due() is times[2].accept
        await store.rate(1, 5, 1, WHEN, WHEN)
        await store.add_rating_comment(1, "不满意", WHEN)
        assert [t.number for t in await store.search(TicketQuery(rated_bad=True))] == [1]
        await store.record_follow_up(1, "staff:42", "已回访", WHEN)
        kinds = [e.kind for e in await store.events(1)][-3:]
        assert kinds == ["rated", "rating_comment", "followed_up"]
        assert await store.note_due([(2, "accept", "overdue")], WHEN) == {0}
    finally:
        await store.close()


def test_migration_steps_are_numbered_one_to_n() -> None:
    """Steps are 1, 2, … N with no gap: a database at step N would never get a step numbered
    below N added later (branches merged out of order must renumber theirs)."""
    assert [version for version, _, _ in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
