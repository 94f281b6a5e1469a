"""Deletion on request (PIPL): `tickets forget --user ID` removes one resident's tickets,
messages, answers, chat state and outbox rows, leaves everyone else's, records that it
happened without any content, and `--dry-run` only says what would go."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import parse_database_url
from bot.store.backend import Store
from bot.store.database import utcnow
from bot.store.inbox import Accepted
from bot.store.sqlite import SQLiteTicketStore
from tests.engine_setup import Clock, make_engine
from tests.factories import (
    ENGINE_STAFF_ID,
    RESIDENT_TABLES,
    make_choice,
    make_command,
    make_photo,
    make_speaker,
    make_text,
)
from tests.stored import opened, stored_rows

GONE = 301  # the resident asking to be forgotten
KEPT = 302
SECRET = "我家住在较场口某巷七号"  # text only the forgotten resident wrote


def seed(database_url: str) -> None:
    """Two residents with tickets, a staff reply and follow-up, a photo report, an answer with
    a vote, a bad rating with a comment, chat state and delivered messages."""

    async def run() -> None:
        async with opened(database_url) as store:
            engine = make_engine(store, Clock())
            staff = make_speaker(ENGINE_STAFF_ID)
            for user in (GONE, KEPT):
                me = make_speaker(user)
                first = await engine.handle(make_text(f"{SECRET}{user}的路灯坏了", me))
                await engine.handle(make_command(f"/reply {first.ticket_number} 哪一栋？", staff))
                await engine.handle(make_text(f"{SECRET}三栋", me))
                await engine.handle(make_photo(f"photo-{user}", "井盖", me))
                answered = await engine.handle(make_text("渝中区有多少栋建成楼宇", me))
                vote = next(c.data for r in answered.replies for row in r.choices for c in row)
                await engine.handle(make_choice(vote, me))
                await engine.handle(make_command(f"/close {first.ticket_number}", staff))
                await engine.handle(make_choice(f"rate:{first.ticket_number}:1", me))
                await engine.handle(make_text(f"{SECRET}，不满意", me))
                await engine.handle(make_command("/lang en", me))
            for message in await store.due_messages(Clock().now.replace(year=2100)):
                await store.mark_sent(message, 10_000 + message.id)

    asyncio.run(run())


async def count(database_url: str, sql: str, *params: object) -> int:
    [(found,)] = await stored_rows(database_url, sql, params)
    return int(found)


def counts(database_url: str) -> dict[str, int]:
    async def all_tables() -> dict[str, int]:
        return {t: await count(database_url, f"SELECT COUNT(*) FROM {t}") for t in RESIDENT_TABLES}

    return asyncio.run(all_tables())


async def rows_mentioning(database_url: str, user_id: int) -> dict[str, int]:
    """Rows that belong to `user_id` (by user, chat or ticket), per table."""
    mine = "SELECT number FROM tickets WHERE user_id = ?"
    queries = {
        "tickets": ("SELECT COUNT(*) FROM tickets WHERE user_id = ?", 1),
        "events": (f"SELECT COUNT(*) FROM events WHERE ticket_number IN ({mine})", 1),
        "outbox": (
            f"SELECT COUNT(*) FROM outbox WHERE chat_id = ? OR ticket_number IN ({mine})",
            2,
        ),
        "answers": ("SELECT COUNT(*) FROM answers WHERE user_id = ?", 1),
        "ratings": ("SELECT COUNT(*) FROM ratings WHERE user_id = ?", 1),
        "chat_state": ("SELECT COUNT(*) FROM chat_state WHERE chat_id = ?", 1),
        "processed_messages": ("SELECT COUNT(*) FROM processed_messages WHERE chat_id = ?", 1),
    }
    return {t: await count(database_url, q, *[user_id] * n) for t, (q, n) in queries.items()}


@pytest.fixture
def db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test's database (either backend) as DATABASE_URL, seeded."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    seed(database_url)
    return database_url


def forget(tmp_path: Path, *args: str) -> int:
    return main(
        ["--env-file", str(tmp_path / "none.env"), "tickets", "--as", "77", "forget", *args]
    )


def forget_list(tmp_path: Path) -> int:
    return main(["--env-file", str(tmp_path / "none.env"), "tickets", "erasures"])


def test_a_dry_run_lists_what_would_go_and_changes_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = counts(db)
    assert forget(tmp_path, "--user", str(GONE), "--dry-run") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Would delete for user {GONE}: tickets 2, events ")
    assert "(dry run: nothing deleted)" in out
    assert counts(db) == before
    assert asyncio.run(count(db, "SELECT COUNT(*) FROM erasures")) == 0


def test_forget_removes_one_resident_and_records_it_without_content(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine, theirs = asyncio.run(rows_mentioning(db, GONE)), asyncio.run(rows_mentioning(db, KEPT))
    assert all(mine.values()), mine  # the seed gave the resident a row in every table
    assert forget(tmp_path, "--user", str(GONE)) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Deleted for user {GONE}: tickets 2, ")
    assert asyncio.run(rows_mentioning(db, GONE)) == dict.fromkeys(mine, 0)
    assert asyncio.run(rows_mentioning(db, KEPT)) == theirs
    [(at, actor, user_id, recorded)] = asyncio.run(
        stored_rows(db, "SELECT at, actor, user_id, counts FROM erasures")
    )
    orphans = (
        "SELECT COUNT(*) FROM staff_posts WHERE ticket_number NOT IN (SELECT number FROM tickets)"
    )
    staff_posts = asyncio.run(count(db, orphans))
    assert (actor, user_id) == ("staff:77", GONE)
    assert forget_list(tmp_path) == 0
    listed = capsys.readouterr().out
    assert f" · staff:77 · user {GONE} · tickets 2, " in listed
    assert at.startswith("20")  # when, as stored times are
    assert json.loads(recorded)["tickets"] == 2
    assert SECRET not in recorded
    assert staff_posts == 0
    if db.startswith("sqlite:"):
        # SQLite's secure_delete: overwritten, not just unlinked, in neither the file nor its
        # WAL (PostgreSQL's files are the server's: test_postgres checks what forget says).
        path = parse_database_url(db)
        left = b"".join(p.read_bytes() for p in path.parent.glob(f"{path.name}*"))
        assert f"{SECRET}{GONE}".encode() not in left
        assert f"{SECRET}{KEPT}".encode() in left


def test_forgetting_someone_with_no_data_is_recorded_with_zero_counts(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert forget(tmp_path, "--user", "999") == 0
    assert "tickets 0" in capsys.readouterr().out


@pytest.mark.sqlite_only  # SQLite's WAL and its checkpoint
async def test_forget_says_when_another_connection_keeps_the_wal(db: str) -> None:
    """With the service reading the database at that moment, the rows are deleted all the
    same, but the WAL cannot be emptied yet, and the result says so."""
    path = parse_database_url(db)
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM tickets").fetchone()  # holds a read snapshot
        store = SQLiteTicketStore(path, busy_timeout_ms=50)  # the checkpoint waits no longer
        await store.open()
        try:
            erasure = await store.forget_resident(GONE, "cli", utcnow())
        finally:
            await store.close()
    finally:
        reader.close()
    assert (erasure.done, erasure.wal_emptied) == (True, False)
    assert (await rows_mentioning(db, GONE))["tickets"] == 0


async def rows_of(store: Store, user_id: int) -> dict[str, int]:
    """Rows that belong to `user_id` (by user, chat or ticket; inbox: by sender), per table."""
    mine = "SELECT number FROM tickets WHERE user_id = ?"
    queries = {
        "tickets": ("SELECT COUNT(*) FROM tickets WHERE user_id = ?", 1),
        "events": (f"SELECT COUNT(*) FROM events WHERE ticket_number IN ({mine})", 1),
        "outbox": (
            f"SELECT COUNT(*) FROM outbox WHERE chat_id = ? OR ticket_number IN ({mine})",
            2,
        ),
        "answers": ("SELECT COUNT(*) FROM answers WHERE user_id = ?", 1),
        "chat_state": ("SELECT COUNT(*) FROM chat_state WHERE chat_id = ?", 1),
        "processed_messages": ("SELECT COUNT(*) FROM processed_messages WHERE chat_id = ?", 1),
        "inbox": ("SELECT COUNT(*) FROM inbox WHERE update_id IN (?, ?)", 0),
    }
    found = {}
    for table, (sql, users) in queries.items():
        params = [user_id] * users if users else [user_id * 10, user_id * 10 + 1]
        found[table] = (await store.row(sql, params))[0]
    return found


async def test_forget_on_either_backend_removes_one_resident_and_keeps_the_other(
    store: Store,
) -> None:
    """On SQLite and on PostgreSQL: every row of the resident goes (their tickets with history
    and messages, answers, state, processed messages, the updates they sent in the inbox, read
    by the sender in the JSON payload or by chat), the other resident's stay, and it is
    recorded without content."""
    engine = make_engine(store, Clock())
    staff = make_speaker(ENGINE_STAFF_ID)
    for user in (GONE, KEPT):
        me = make_speaker(user)
        first = await engine.handle(make_text(f"{SECRET}{user}的路灯坏了", me))
        await engine.handle(make_command(f"/reply {first.ticket_number} 哪一栋？", staff))
        await engine.handle(make_text(f"{SECRET}三栋", me))
        answered = await engine.handle(make_text("渝中区有多少栋建成楼宇", me))
        vote = next(c.data for r in answered.replies for row in r.choices for c in row)
        await engine.handle(make_choice(vote, me))
        sent = {"message": {"from": {"id": user}, "chat": {"id": -5}, "text": SECRET}}
        tapped = {"callback_query": {"from": {"id": user}, "data": "x"}}
        updates = [
            Accepted(user * 10, "chat:-5", json.dumps(sent, ensure_ascii=False)),
            Accepted(user * 10 + 1, "user:other", json.dumps(tapped)),
        ]
        await store.accept_updates("telegram", updates, utcnow())
    mine, theirs = await rows_of(store, GONE), await rows_of(store, KEPT)
    assert all(mine.values()), mine
    erasure = await store.forget_resident(GONE, "staff:77", utcnow())
    assert erasure.done
    assert erasure.counts["tickets"] == 1
    assert erasure.counts["inbox"] == 2
    assert await rows_of(store, GONE) == dict.fromkeys(mine, 0)
    assert await rows_of(store, KEPT) == theirs
    [(_, actor, recorded)] = await store.erasures()
    assert (actor, recorded.user_id, recorded.counts) == ("staff:77", GONE, erasure.counts)
