"""Database faults: a locked file, a read-only file, a full disk, a missing folder. Each gives a
clear error at start-up or a polite "please send it again" to the resident; nothing is reported
as saved that was not, and the same message succeeds once the fault is gone.

How the faults are made, on the real SQLite file:
- locked: a second connection holds the write lock with BEGIN IMMEDIATE;
- read-only: `PRAGMA query_only = ON` on the store's connection makes every write fail with
  SQLITE_READONLY, the very error a read-only file gives (the tests run as root, for whom
  chmod does not stop writes); one test also makes the file truly read-only (chmod when not
  root, the immutable attribute when root) and opens it;
- full disk: `PRAGMA max_page_count` at the file's current size, so a write needing a new page
  fails with SQLITE_FULL, as on a full disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import sqlite3
import stat
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.dialogue.engine import Engine
from bot.store.database import (
    DatabaseDiskFullError,
    DatabaseFolderMissingError,
    DatabaseStartupError,
    StoreBusyError,
    StoreFullError,
    utcnow,
)
from bot.store.sqlite import SQLiteTicketStore
from tests.engine_setup import Clock, make_engine, text
from tests.factories import make_text

UNCOVERED = "火星上明天的天气预报是什么"
RETRY_ZH = "这条消息没有保存，请过一会儿再发一次"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteTicketStore]:
    # No pause after a full disk here: these tests lift a fault and retry at once (the pause
    # has its own test below).
    store = SQLiteTicketStore(tmp_path / "bot.db", busy_timeout_ms=50, full_pause=0.0)
    await store.open()
    yield store
    await store.close()


async def counts(store: SQLiteTicketStore) -> dict[str, int]:
    """Rows in every table a turn writes to."""
    tables = ("tickets", "events", "outbox", "processed_messages", "chat_state", "answers")
    found = {}
    for table in tables:
        row = await store.row(f"SELECT COUNT(*) AS n FROM {table}")  # the names above
        found[table] = int(row["n"]) if row else 0
    return found


async def assert_retried_then_saved(
    engine: Engine, store: SQLiteTicketStore, note: str, release: object
) -> None:
    """The message is refused politely with nothing written; after `release()` the very same
    message (same id) files ticket #1 with its staff post."""
    before = await counts(store)
    refused = await engine.handle(make_text(UNCOVERED, message_id=4242))
    assert (refused.notes, refused.ticket_number) == ((note,), None)
    assert RETRY_ZH in text(refused)
    assert "#" not in text(refused)  # no ticket number claimed
    await release()  # type: ignore[operator]
    assert await counts(store) == before
    accepted = await engine.handle(make_text(UNCOVERED, message_id=4242))
    assert (accepted.notes, accepted.ticket_number) == (("ticket",), 1)
    after = await counts(store)
    assert (after["tickets"], after["outbox"], after["processed_messages"]) == (1, 1, 1)


async def test_a_locked_database_asks_to_retry_and_the_same_message_then_succeeds(
    store: SQLiteTicketStore,
) -> None:
    """Another connection holding the write lock: "busy", nothing half-written; released, the
    same message is filed once."""
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")

        async def release() -> None:
            other.execute("ROLLBACK")

        await assert_retried_then_saved(make_engine(store, Clock()), store, "busy", release)
    finally:
        other.close()


async def test_a_read_only_database_asks_to_retry(store: SQLiteTicketStore) -> None:
    """Writes refused by SQLite (SQLITE_READONLY): "read_only", nothing saved; writable again,
    the same message is filed."""
    await store.db.execute("PRAGMA query_only = ON")

    async def release() -> None:
        await store.db.execute("PRAGMA query_only = OFF")

    await assert_retried_then_saved(make_engine(store, Clock()), store, "read_only", release)


async def test_a_full_disk_asks_to_retry(store: SQLiteTicketStore) -> None:
    """A write that needs a new page on a full disk (SQLITE_FULL): "disk_full", nothing saved,
    the rolled-back transaction leaves the connection usable; with room again, it is filed."""
    row = await store.row("PRAGMA page_count")
    assert row is not None
    await store.db.execute(f"PRAGMA max_page_count = {int(row[0])}")
    long_question = UNCOVERED + "，" + "细节" * 3000  # needs new (overflow) pages

    engine = make_engine(store, Clock())
    refused = await engine.handle(make_text(long_question, message_id=77))
    assert (refused.notes, refused.ticket_number) == (("disk_full",), None)
    assert RETRY_ZH in text(refused)
    assert (await counts(store))["tickets"] == 0
    await store.db.execute("PRAGMA max_page_count = 1073741823")
    accepted = await engine.handle(make_text(long_question, message_id=77))
    assert accepted.ticket_number == 1
    assert (await store.ticket(1)).text == long_question


async def test_a_full_disk_in_a_store_write_raises_store_full(store: SQLiteTicketStore) -> None:
    """The store itself raises the specific error (for the CLI and the outbox), not a bare
    sqlite3 error, and keeps working afterwards."""
    row = await store.row("PRAGMA page_count")
    assert row is not None
    await store.db.execute(f"PRAGMA max_page_count = {int(row[0])}")
    with pytest.raises(StoreFullError):
        await store.enqueue(1, "x" * 20000, kind="to_resident")
    assert await store.due_messages(utcnow()) == []


@pytest.mark.parametrize("migrated", [False, True], ids=["new file", "existing file"])
async def test_opening_a_read_only_database_is_a_start_up_error_naming_it(
    tmp_path: Path, migrated: bool
) -> None:
    """A database that cannot be written fails at start-up, naming the file, whether the
    schema still has to be created or is already there (a write probe catches the latter)."""
    path = tmp_path / "bot.db"
    if migrated:
        ready = SQLiteTicketStore(path)
        await ready.open()
        await ready.close()
    store = SQLiteTicketStore(path, pragmas=("query_only = ON",))
    with pytest.raises(DatabaseStartupError, match=re.escape(f"cannot use the database {path}")):
        await store.open()


@pytest.fixture
def read_only_file(tmp_path: Path) -> Iterator[Path]:
    """A database file the operating system will not let us write."""
    path = tmp_path / "bot.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE placeholder (x)")
    con.close()
    if os.geteuid() != 0:
        path.chmod(0o444)
        yield path
        path.chmod(0o644)
        return
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if made.returncode != 0:
        pytest.skip("root here, and the immutable attribute is not available")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


async def test_a_truly_read_only_file_is_a_start_up_error(read_only_file: Path) -> None:
    """The operating system refusing writes: DatabaseStartupError naming the file."""
    store = SQLiteTicketStore(read_only_file)
    with pytest.raises(DatabaseStartupError, match=re.escape(str(read_only_file))):
        await store.open()


@pytest.mark.parametrize("command", [["tickets", "list"], ["tickets", "stats"]])
def test_the_cli_names_a_read_only_database(
    read_only_file: Path,
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`python -m bot tickets …` on a read-only file: exit 1, one line naming the file."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{read_only_file}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["--env-file", str(read_only_file.parent / "none.env"), *command]) == 1
    err = capsys.readouterr().err
    assert f"cannot use the database {read_only_file}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", [["tickets", "list"], ["chat"]])
def test_a_missing_folder_is_a_start_up_error_naming_it(
    tmp_path: Path,
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """DATABASE_URL into a folder that does not exist: an error naming it, nothing created."""
    missing = tmp_path / "nowhere" / "bot.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["--env-file", str(tmp_path / "none.env"), *command]) in (1, 2)
    err = capsys.readouterr().err
    assert f"the database folder {missing.parent} does not exist" in err
    assert not missing.parent.exists()


async def test_a_missing_folder_is_raised_by_open(tmp_path: Path) -> None:
    """The store refuses to invent a folder: DatabaseFolderMissingError, a DatabaseStartupError."""
    store = SQLiteTicketStore(tmp_path / "nowhere" / "bot.db")
    with pytest.raises(DatabaseFolderMissingError) as caught:
        await store.open()
    assert isinstance(caught.value, DatabaseStartupError)


async def test_a_file_that_is_not_a_database_is_a_start_up_error(tmp_path: Path) -> None:
    """DATABASE_URL pointing at some other file: a start-up error naming it."""
    path = tmp_path / "notes.txt"
    path.write_text("not sqlite " * 1000)
    with pytest.raises(DatabaseStartupError, match=re.escape(str(path))):
        await SQLiteTicketStore(path).open()


async def test_a_single_write_outside_a_transaction_on_a_locked_database_raises_busy(
    store: SQLiteTicketStore,
) -> None:
    """A one-statement write runs without BEGIN/COMMIT (it is atomic on its own), but a lock
    held elsewhere still gives the specific error, and the row is unchanged."""
    queued = await store.enqueue(1, "你好", kind="to_resident")
    assert queued is not None
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreBusyError):
            await store.mark_sent(queued, 99)
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert [m.id for m in await store.due_messages(utcnow())] == [queued]
    await store.mark_sent(queued, 99)
    assert await store.due_messages(utcnow()) == []


async def test_a_full_disk_empties_the_wal_and_refuses_new_work_for_a_while(
    tmp_path: Path,
) -> None:
    """After SQLITE_FULL the WAL is checkpointed and cut back to nothing (it stops growing),
    and for `full_pause` seconds even a message that would fit is refused with the busy reply
    without touching the files; then writing works again."""
    store = SQLiteTicketStore(tmp_path / "bot.db", full_pause=0.5)
    await store.open()
    try:
        wal = tmp_path / "bot.db-wal"
        assert wal.stat().st_size > 0
        row = await store.row("PRAGMA page_count")
        assert row is not None
        await store.db.execute(f"PRAGMA max_page_count = {int(row[0])}")
        engine = make_engine(store, Clock())
        refused = await engine.handle(make_text(UNCOVERED + "细节" * 3000))
        assert refused.notes == ("disk_full",)
        assert wal.stat().st_size == 0
        await store.db.execute("PRAGMA max_page_count = 1073741823")
        again = await engine.handle(make_text(UNCOVERED))
        assert (again.notes, RETRY_ZH in text(again)) == (("disk_full",), True)
        assert wal.stat().st_size == 0
        assert (await counts(store))["tickets"] == 0
        await asyncio.sleep(0.6)
        accepted = await engine.handle(make_text(UNCOVERED))
        assert (accepted.notes, accepted.ticket_number) == (("ticket",), 1)
    finally:
        await store.close()


@pytest.mark.parametrize("migrated", [False, True], ids=["new file", "existing file"])
async def test_starting_on_a_full_disk_says_disk_full_in_one_line(
    tmp_path: Path, migrated: bool
) -> None:
    """No room to grow (here SQLite's page limit at the file's size): open() fails with one
    line starting "disk full" and naming the file, instead of a service answering "busy"."""
    path = tmp_path / "bot.db"
    if migrated:
        ready = SQLiteTicketStore(path)
        await ready.open()
        await ready.close()
    store = SQLiteTicketStore(path, pragmas=("max_page_count = 1",))
    with pytest.raises(DatabaseDiskFullError) as caught:
        await store.open()
    message = str(caught.value)
    assert message.startswith("disk full")
    assert str(path) in message
    assert "\n" not in message


def file_modes(folder: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}


@pytest.fixture
def umask_022() -> Iterator[None]:
    """A usual umask (files 0644, folders 0755 unless created otherwise)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("umask_022")
@pytest.mark.parametrize("command", [["tickets", "list"], ["chat"]])
def test_the_default_database_and_its_folder_are_owner_only(
    tmp_path: Path,
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """data/ is created 0700 and data/bot.db (with its -wal and -shm) 0600: they hold phone
    numbers."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("你好\n"))
    assert main(["--env-file", str(tmp_path / "none.env"), *command]) == 0
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    modes = file_modes(data)
    assert modes["bot.db"] == 0o600
    assert set(modes.values()) == {0o600}, modes


@pytest.mark.usefixtures("umask_022")
async def test_a_new_database_file_and_its_wal_are_owner_only(tmp_path: Path) -> None:
    store = SQLiteTicketStore(tmp_path / "bot.db")
    await store.open()
    try:
        await store.enqueue(1, "你好", kind="to_resident")
        modes = file_modes(tmp_path)
    finally:
        await store.close()
    assert modes == {"bot.db": 0o600, "bot.db-wal": 0o600, "bot.db-shm": 0o600}


LEASE_ROW = (
    "INSERT INTO poller_leases (bot, owner, host, pid, started_at, lease_until)"
    " VALUES (?, 'replica', 'host', 1, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')"
)


async def leased_bots(store: SQLiteTicketStore) -> dict[str, int]:
    """The stored rows: bot → pid."""
    rows = await store.rows("SELECT bot, pid FROM poller_leases ORDER BY bot")
    return {row[0]: row[1] for row in rows}


async def test_a_transaction_cancelled_while_its_begin_waits_leaves_the_store_usable(
    tmp_path: Path,
) -> None:
    """A task cancelled while its BEGIN IMMEDIATE waits for another process's lock (a service
    stopping, a timeout): the BEGIN still runs on aiosqlite's thread once the lock is free.
    The connection must not stay inside that transaction, or every later transaction fails
    ("cannot start a transaction within a transaction") until the process restarts — as a
    stopping poller's lease release once did."""
    store = SQLiteTicketStore(tmp_path / "bot.db", busy_timeout_ms=5000)
    await store.open()
    try:
        other = sqlite3.connect(store.path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")

        async def lease(bot: str) -> None:
            async with store.transaction():
                await store.execute(LEASE_ROW, (bot,))

        waiting = asyncio.create_task(lease("cancelled"))
        await asyncio.sleep(0.2)  # on the thread, waiting for the other's lock
        waiting.cancel()
        await asyncio.sleep(0.1)
        other.execute("ROLLBACK")  # now the BEGIN goes through, after the cancellation
        other.close()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await lease("next")
        assert await leased_bots(store) == {"next": 1}
    finally:
        await store.close()


async def test_a_transaction_cancelled_at_any_point_is_all_or_nothing_and_the_next_one_commits(
    tmp_path: Path,
) -> None:
    """Cancelled after any number of steps of the event loop (in BEGIN, in the body, in
    COMMIT): the task ends cancelled or done, never with another error; its row is stored
    only if it committed; and the next transaction commits."""
    store = SQLiteTicketStore(tmp_path / "bot.db")
    await store.open()
    try:
        committed = []
        for step in range(60):

            async def lease(bot: str) -> None:
                async with store.transaction():
                    await store.execute(LEASE_ROW, (bot,))
                    await store.change("UPDATE poller_leases SET pid = 2 WHERE bot = ?", (bot,))
                committed.append(bot)

            task = asyncio.create_task(lease(f"try-{step:02d}"))
            for _ in range(step):
                await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await lease(f"next-{step:02d}")
        stored = await leased_bots(store)
        assert [bot for bot in stored if bot.startswith("next-")] == [
            f"next-{step:02d}" for step in range(60)
        ]
        assert set(stored.values()) == {2}  # never the INSERT without the UPDATE
        assert {bot for bot in committed if bot.startswith("try-")} <= set(stored)
        assert len(committed) < 120  # some tries were cancelled on the way
        assert store.db.in_transaction is False
    finally:
        await store.close()
