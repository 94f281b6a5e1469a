"""The PostgreSQL backend beyond the store tests both backends run: `db status` and `db
migrate`, replicas migrating at once, `db copy` from SQLite (verified, numbers kept, refused
into a database that is not empty), start-up errors that never show the password, and `run`,
`chat` and `tickets` on PostgreSQL as real processes over the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from bot.cli import main
from bot.config import Settings
from bot.store.backend import make_store
from bot.store.copy import TABLES, copy_database, table_counts
from bot.store.database import DatabaseStartupError
from bot.store.inbox import Accepted
from bot.store.migrations import MIGRATIONS, NotPortedError
from bot.store.model import NewProposal
from bot.store.postgres import PostgresTicketStore
from bot.store.sqlite import SQLiteTicketStore
from tests.engine_setup import T0, Clock, make_engine, text
from tests.factories import (
    ENGINE_STAFF_ID,
    STAFF_CHAT_ID,
    make_choice,
    make_command,
    make_photo,
    make_speaker,
    make_text,
    make_text_update,
)
from tests.fake_bot_api import FakeBotApi
from tests.postgres_server import (
    ServerUnavailableError,
    pause_server,
    resume_server,
    start_server,
    stop_server,
)
from tests.telegram_harness import REPO, BotProcess, service_env
from tests.test_store_faults import RETRY_ZH, assert_retried_then_saved

UNCOVERED = "我的社保卡丢了怎么补办"
COVERED = "渝中区有多少栋建成楼宇"
LATEST = MIGRATIONS[-1][0]


def cli(tmp_path: Path, *args: str) -> int:
    return main(["--env-file", str(tmp_path / "none.env"), *args])


@pytest.fixture
def no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)


@pytest.mark.usefixtures("no_token")
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_db_status_lists_pending_steps_and_migrate_applies_them_once(
    kind: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """On a new database `db status` lists every step as pending and changes nothing; `db
    migrate` applies them; then status says up to date and migrate has nothing to do."""
    url = (
        f"sqlite:///{tmp_path / 'new.db'}"
        if kind == "sqlite"
        else request.getfixturevalue("empty_postgres_url")
    )
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli(tmp_path, "db", "status") == 0
    out = capsys.readouterr().out
    assert out.count("  pending  ") == len(MIGRATIONS)
    assert f"schema version 0; {len(MIGRATIONS)} step(s) pending" in out
    assert cli(tmp_path, "db", "status") == 0  # status changed nothing
    assert f"schema version 0; {len(MIGRATIONS)} step(s) pending" in capsys.readouterr().out

    assert cli(tmp_path, "db", "migrate") == 0
    steps = ", ".join(str(step[0]) for step in MIGRATIONS)
    assert f"applied step(s) {steps}." in capsys.readouterr().out
    assert cli(tmp_path, "db", "status") == 0
    out = capsys.readouterr().out
    assert out.count("  applied  ") == len(MIGRATIONS)
    assert f"schema version {LATEST}; up to date" in out
    assert cli(tmp_path, "db", "migrate") == 0
    assert "up to date, nothing to apply" in capsys.readouterr().out


async def test_replicas_starting_together_apply_each_step_once(empty_postgres_url: str) -> None:
    """Three stores opening one new database at the same moment: every step recorded once,
    none fails (each step waits for the migration lock and re-reads the version)."""
    stores = [PostgresTicketStore(empty_postgres_url) for _ in range(3)]
    await asyncio.gather(*(store.open() for store in stores))
    try:
        rows = await stores[0].rows("SELECT version FROM schema_version ORDER BY version")
        assert [r["version"] for r in rows] == [step[0] for step in MIGRATIONS]
    finally:
        await asyncio.gather(*(store.close() for store in stores))


async def test_a_failing_step_leaves_the_previous_version(empty_postgres_url: str) -> None:
    """A PostgreSQL step that breaks half-way is rolled back with its version record."""
    broken = (
        *MIGRATIONS,
        (
            99,
            "broken",
            "",
            "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1)",
        ),
    )
    with pytest.raises(DatabaseStartupError, match="no_such_table"):
        await PostgresTicketStore(empty_postgres_url, steps=broken).open()
    conn = await asyncpg.connect(empty_postgres_url)
    try:
        assert await conn.fetchval("SELECT MAX(version) FROM schema_version") == LATEST
        assert await conn.fetchval("SELECT to_regclass('half_done')") is None
    finally:
        await conn.close()


async def test_later_steps_carry_a_step_5_database_forward(empty_postgres_url: str) -> None:
    """A PostgreSQL database at step 5 (before staff work) is carried to the last step: the
    history keeps its ids and rows, the kinds steps 6 and 7 allow are accepted (the CHECK
    changed in place), an unknown kind is still refused, and the new tables work."""
    old = PostgresTicketStore(empty_postgres_url, steps=MIGRATIONS[:5])
    await old.open()
    try:  # the SQL of that time, not today's store methods
        await old.execute(
            "INSERT INTO tickets (created_at, updated_at, user_id, chat_id, channel, category,"
            " text) VALUES (?, ?, 5, 5, 'telegram', 'unanswered', '旧问题')",
            (T0.isoformat(), T0.isoformat()),
        )
        for kind, text in (("created", "unanswered"), ("staff_reply", "旧回复")):
            await old.execute(
                "INSERT INTO events (ticket_number, kind, actor, at, text)"
                " VALUES (1, ?, 'x', ?, ?)",
                (kind, T0.isoformat(), text),
            )
    finally:
        await old.close()
    store = PostgresTicketStore(empty_postgres_url)
    await store.open()
    try:
        ticket = await store.ticket(1)
        rows = await store.rows("SELECT id, kind, text FROM events ORDER BY id")
        assert [tuple(r) for r in rows] == [
            (1, "created", "unanswered"),
            (2, "staff_reply", "旧回复"),
        ]
        await store.add_note(ticket.number, "staff:42", "内部备注", T0)
        await store.rate(ticket.number, 5, 1, T0, T0)
        await store.record_follow_up(ticket.number, "staff:42", "已回访", T0)
        kinds = [e.kind for e in await store.events(ticket.number)]
        assert kinds == ["created", "staff_reply", "note", "rated", "followed_up"]
        with pytest.raises(asyncpg.CheckViolationError):
            await store.execute(
                "INSERT INTO events (ticket_number, kind, actor, at) VALUES (1, 'x', 'x', 'x')"
            )
        assert await store.note_due([(ticket.number, "accept", "overdue")], T0) == {0}
        assert await store.note_due([(ticket.number, "accept", "overdue")], T0) == set()
        number = await store.add_proposal(
            NewProposal("wording", "ticket", ticket.number, "e1", "{}", "staff:1"), T0
        )
        assert (await store.proposal(number)).ticket_number == ticket.number
    finally:
        await store.close()


async def test_a_step_without_postgres_sql_refuses_to_open(postgres_url: str) -> None:
    """A step written for SQLite only (not ported yet) stops a PostgreSQL store with the step
    named, before anything is changed."""
    unported = (*MIGRATIONS, (99, "assignment", "CREATE TABLE a (x INTEGER)"))
    with pytest.raises(NotPortedError, match=r"migration step 99 \(assignment\) has no PostgreSQL"):
        await PostgresTicketStore(postgres_url, steps=unported).open()


async def test_an_unreachable_server_is_one_clear_error_without_the_password() -> None:
    """A server that does not answer: DatabaseStartupError naming it, password masked."""
    store = PostgresTicketStore("postgresql://bot:s3cret@127.0.0.1:1/yuzhong")
    with pytest.raises(DatabaseStartupError) as info:
        await store.open()
    assert "cannot connect to the database postgresql://bot:***@127.0.0.1:1/yuzhong" in str(
        info.value
    )
    assert "s3cret" not in str(info.value)


async def test_a_read_only_server_stops_start_up(postgres_url: str) -> None:
    """A server that takes no writes (a standby, a read-only database) fails at open, not at
    the first resident's message."""
    admin = await asyncpg.connect(postgres_url)
    try:
        name = postgres_url.rsplit("/", 1)[1]
        await admin.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
    finally:
        await admin.close()
    store = PostgresTicketStore(postgres_url)
    with pytest.raises(DatabaseStartupError, match="cannot use the database"):
        await store.open()


async def seed(url: str) -> None:
    """Two residents with tickets, staff replies, follow-ups, a photo, an answer with a vote,
    chat state, sent messages, inbox updates and an erasure record; a snippet, a staff name,
    vote totals, a rating, a due notice, a knowledge proposal, a console link and session."""
    store = make_store(Settings(database_url=url))
    await store.open()
    try:
        engine = make_engine(store, Clock())
        staff = make_speaker(ENGINE_STAFF_ID)
        for user in (301, 302, 303):
            me = make_speaker(user)
            first = await engine.handle(make_text(f"{UNCOVERED}，我是{user}", me))
            await engine.handle(make_command(f"/reply {first.ticket_number} 哪个街道？", staff))
            await engine.handle(make_text("较场口", me))
            await engine.handle(make_photo(f"photo-{user}", "井盖坏了", me))
            answered = await engine.handle(make_text(COVERED, me))
            vote = next(c.data for r in answered.replies for row in r.choices for c in row)
            await engine.handle(make_choice(vote, me))
        await engine.handle(make_command("/close 1 已处理", staff))
        await store.save_snippet("口径", "请拨打热线", "staff:1", T0)
        await store.remember_staff(ENGINE_STAFF_ID, "张三", "zhangsan", T0)
        await store.execute("INSERT INTO vote_totals (vote, count) VALUES ('down', 2)")
        await store.rate(1, 301, 2, T0, T0)
        await store.note_due([(4, "accept", "overdue")], T0)
        await store.add_console_link("hash-of-a-link", ENGINE_STAFF_ID, T0, T0.replace(year=2100))
        await store.start_console_session("hash-of-a-session", ENGINE_STAFF_ID, "csrf", T0)
        await store.add_proposal(
            NewProposal("wording", "ticket", 1, "e1", '{"question": "哪里"}', "staff:1"), T0
        )
        for message in await store.due_messages(T0.replace(year=2100)):
            await store.mark_sent(message, 10_000 + message.id)
        updates = [Accepted(500 + n, f"chat:{301 + n}", '{"update_id": 1}') for n in range(3)]
        await store.accept_updates("telegram", updates, T0)
        await store.forget_resident(303, "staff:1", T0)
    finally:
        await store.close()


@pytest.mark.usefixtures("no_token")
async def test_db_copy_moves_every_row_verified_and_numbers_carry_on(
    tmp_path: Path,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`db copy` from a used SQLite file: the same rows in every table (the checksums printed
    match), `tickets list` and `show` read the same on both, and the next ticket on
    PostgreSQL gets the next number."""
    sqlite_url = f"sqlite:///{tmp_path / 'bot.db'}"
    await seed(sqlite_url)
    code = await asyncio.to_thread(
        cli, tmp_path, "db", "copy", "--from", sqlite_url, "--to", postgres_url
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Copied " in out
    assert "Verified: the row counts of every table and the checksums" in out

    views = {}
    for url in (sqlite_url, postgres_url):
        monkeypatch.setenv("DATABASE_URL", url)
        for args in (["list", "--limit", "50"], ["show", "1"], ["show", "4"], ["erasures"]):
            assert await asyncio.to_thread(cli, tmp_path, "tickets", *args) == 0
        views[url] = capsys.readouterr().out
    assert views[sqlite_url] == views[postgres_url]
    assert "#4" in views[postgres_url]

    source = SQLiteTicketStore(tmp_path / "bot.db")
    target = PostgresTicketStore(postgres_url)
    await source.open()
    await target.open()
    try:
        for table in ("tickets", "events", "outbox", "answers", "inbox", "staff_posts"):
            sql = f"SELECT COUNT(*) FROM {table}"
            assert (await source.row(sql))[0] == (await target.row(sql))[0] > 0, table
        engine = make_engine(target, Clock())
        outcome = await engine.handle(make_text(f"{UNCOVERED}，新来的", make_speaker(401)))
        highest = (await source.row("SELECT MAX(number) FROM tickets"))[0]
        assert outcome.ticket_number == highest + 1
    finally:
        await source.close()
        await target.close()


@pytest.mark.usefixtures("no_token")
async def test_db_copy_refuses_a_database_that_is_not_empty(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Copying into a database that holds rows is refused before anything is written."""
    sqlite_url = f"sqlite:///{tmp_path / 'bot.db'}"
    await seed(sqlite_url)
    args = ("db", "copy", "--from", sqlite_url, "--to", postgres_url)
    assert await asyncio.to_thread(cli, tmp_path, *args) == 0
    capsys.readouterr()
    assert await asyncio.to_thread(cli, tmp_path, *args) == 1
    err = capsys.readouterr().err
    assert "the target database is not empty (tickets 4," in err
    target = PostgresTicketStore(postgres_url)
    await target.open()
    try:
        assert (await target.row("SELECT COUNT(*) FROM tickets"))[0] == 4
    finally:
        await target.close()


@pytest.mark.usefixtures("no_token")
def test_db_copy_from_a_file_that_is_not_there_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped --from names the missing file instead of copying an empty new database."""
    missing = f"sqlite:///{tmp_path / 'typo.db'}"
    target = "postgresql://bot@127.0.0.1:1/yuzhong"  # never reached
    assert cli(tmp_path, "db", "copy", "--from", missing, "--to", target) == 1
    assert "there is no SQLite database at" in capsys.readouterr().err
    assert not (tmp_path / "typo.db").exists()


def run_command(env: dict[str, str], cwd: Path, *args: str, stdin: str = "") -> str:
    """`python -m bot ARGS` as a separate process (as staff run it beside the service)."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), **env},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.slow
async def test_run_chat_and_tickets_work_on_postgres(
    api: FakeBotApi, tmp_path: Path, postgres_url: str
) -> None:
    """The service as a real process on PostgreSQL answers a resident, files a ticket and
    posts it to staff; `tickets reply` from the shell reaches the resident through it; the
    terminal chat files its own ticket in the same database; SIGTERM stops it cleanly."""
    env = service_env(api, tmp_path, DATABASE_URL=postgres_url)
    service = BotProcess(env, tmp_path / "service.log")
    try:
        await api.wait_for(
            lambda: api.of("getUpdates") or service.process.poll() is not None,
            within=60,
            what="the service to poll",
        )
        assert service.process.poll() is None, service.log()[-3000:]
        resident = 7101
        api.push(make_text_update(resident, UNCOVERED))
        api.push(make_text_update(resident + 1, COVERED))
        await api.wait_for(
            lambda: api.sent(resident) and api.sent(resident + 1) and api.sent(STAFF_CHAT_ID),
            within=60,
            what="the ticket notice, the answer and the staff post",
        )
        assert "#1" in api.texts(resident)[0]
        assert "#1" in api.texts(STAFF_CHAT_ID)[0]
        assert "#" not in api.texts(resident + 1)[0]

        shell = {k: v for k, v in env.items() if k != "TELEGRAM_BOT_TOKEN"}
        listed = await asyncio.to_thread(run_command, shell, tmp_path, "tickets", "list")
        assert "#1" in listed
        await asyncio.to_thread(
            run_command, shell, tmp_path, "tickets", "--as", "900002", "reply", "1", "请带身份证。"
        )
        await api.wait_for(
            lambda: any("请带身份证" in text for text in api.texts(resident)),
            within=30,
            what="the staff reply from the shell",
        )
        chat = await asyncio.to_thread(
            run_command, shell, tmp_path, "chat", "--user-id", "5", stdin="火星上明天的天气预报\n"
        )
        assert "#2" in chat
        shown = await asyncio.to_thread(run_command, shell, tmp_path, "tickets", "show", "2")
        assert "火星上明天的天气预报" in shown
        assert await service.stop() == 0
    finally:
        if service.process.poll() is None:
            service.kill()
    assert "Traceback" not in service.log()


async def test_a_locked_table_asks_to_retry_and_the_same_message_then_succeeds(
    postgres_url: str,
) -> None:
    """Another transaction holding a lock the turn needs for longer than the lock timeout:
    "busy", nothing half-written; released, the same message is filed once."""
    store = PostgresTicketStore(postgres_url, lock_timeout_ms=200)
    await store.open()
    other = await asyncpg.connect(postgres_url)
    try:
        transaction = other.transaction()
        await transaction.start()
        await other.execute("LOCK TABLE tickets IN EXCLUSIVE MODE")

        async def release() -> None:
            await transaction.rollback()

        await assert_retried_then_saved(make_engine(store, Clock()), store, "busy", release)
    finally:
        await other.close()
        await store.close()


@pytest.mark.slow
async def test_a_server_that_goes_away_asks_to_retry_and_the_store_reconnects(
    tmp_path: Path,
) -> None:
    """The server stops while the service runs (a restart, a failover): the resident is asked
    to send the message again and nothing is saved; once the server is back, the same message
    is filed once, on new connections, without restarting the store."""
    try:
        server = start_server()
    except ServerUnavailableError as exc:
        pytest.skip(f"no PostgreSQL server could be started: {exc}")
    try:
        admin = await asyncpg.connect(server.url())
        await admin.execute("CREATE DATABASE faults")
        await admin.close()
        store = PostgresTicketStore(server.url("faults"), min_size=2)
        await store.open()
        engine = make_engine(store, Clock())
        try:
            answered = await engine.handle(make_text(COVERED))
            assert answered.notes != ("store_unavailable",)
            await asyncio.to_thread(pause_server, server)
            refused = await engine.handle(make_text(UNCOVERED, message_id=4343))
            assert refused.notes == ("store_unavailable",)
            assert RETRY_ZH in text(refused)
            await asyncio.to_thread(resume_server, server)
            accepted = await engine.handle(make_text(UNCOVERED, message_id=4343))
            assert (accepted.notes, accepted.ticket_number) == (("ticket",), 1)
            again = await engine.handle(make_text(UNCOVERED, message_id=4343))
            assert again.notes[0] == "duplicate"
            assert len(await store.tickets()) == 1
        finally:
            await store.close()
    finally:
        stop_server(server)


async def test_an_announcement_reaches_the_other_replicas_and_survives_a_dropped_connection(
    postgres_url: str,
) -> None:
    """What one store announces, another store listening on the topic receives (LISTEN/NOTIFY),
    also after the server dropped its listening connection (it listens again by itself)."""
    speaker, hearer = PostgresTicketStore(postgres_url), PostgresTicketStore(postgres_url)
    await speaker.open()
    await hearer.open()
    heard: asyncio.Queue[str] = asyncio.Queue()
    try:
        await hearer.listen("reload", heard.put_nowait)
        await speaker.announce("reload", "replica-0")
        assert await asyncio.wait_for(heard.get(), 5) == "replica-0"
        dropped = await speaker.rows(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
        )
        assert [row[0] for row in dropped] == [True]
        for _ in range(100):  # listening again takes a reconnect
            await speaker.announce("reload", "replica-2")
            with contextlib.suppress(TimeoutError):
                assert await asyncio.wait_for(heard.get(), 0.1) == "replica-2"
                break
        else:
            raise AssertionError("the announcement was not heard after the reconnect")
    finally:
        await speaker.close()
        await hearer.close()


async def test_one_chats_turns_wait_for_each_other_across_replicas(postgres_url: str) -> None:
    """A turn holds its chat until it commits: another replica's turn for the same chat waits
    for it, one for another chat does not."""
    first, second = PostgresTicketStore(postgres_url), PostgresTicketStore(postgres_url)
    await first.open()
    await second.open()
    events: list[str] = []

    async def same_chat_elsewhere() -> None:
        async with second.transaction():
            await second.lock_chat("telegram", 7)
            events.append("second replica's turn")

    try:
        async with first.transaction():
            await first.lock_chat("telegram", 7)
            async with second.transaction():
                await asyncio.wait_for(second.lock_chat("telegram", 8), 2)  # another chat
            waiting = asyncio.create_task(same_chat_elsewhere())
            await asyncio.sleep(0.5)
            events.append("first replica's turn commits")
        await asyncio.wait_for(waiting, 5)
    finally:
        await first.close()
        await second.close()
    assert events == ["first replica's turn commits", "second replica's turn"]


@pytest.mark.usefixtures("no_token")
async def test_forget_on_postgres_says_what_the_server_keeps(
    tmp_path: Path,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`tickets forget` on PostgreSQL deletes and records as on SQLite, and says that the
    server keeps the deleted rows' bytes until VACUUM (there is no WAL of the bot's to empty)."""
    await seed(postgres_url)
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    code = await asyncio.to_thread(
        cli, tmp_path, "tickets", "--as", "77", "forget", "--user", "301"
    )
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("Deleted for user 301: tickets 2, ")
    assert "PostgreSQL keeps the deleted rows' bytes in its files until VACUUM" in out
    assert "WAL: the deleted rows' old copies" not in out


async def test_a_copy_in_small_pages_gives_every_table_the_same_rows(
    tmp_path: Path, postgres_url: str
) -> None:
    """Copied two rows at a time (each page after the last key of the one before, composite
    keys too), every table holds on PostgreSQL exactly the rows it holds on SQLite."""
    await seed(f"sqlite:///{tmp_path / 'bot.db'}")
    source, target = SQLiteTicketStore(tmp_path / "bot.db"), PostgresTicketStore(postgres_url)
    await source.open()
    await target.open()
    try:
        report = await copy_database(source, target, page=2)
        assert report.counts == await table_counts(target)
        for table, order in TABLES:
            sql = f"SELECT * FROM {table} ORDER BY {order}"
            copied = [list(r) for r in await target.rows(sql)]
            assert copied == [list(r) for r in await source.rows(sql)], table
            assert copied, table  # the seed fills every table
    finally:
        await source.close()
        await target.close()
