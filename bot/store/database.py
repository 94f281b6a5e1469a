"""The SQLite connection every store part shares: open (with the start-up checks of
bot/database_files.py), migrate, one transaction helper, the errors a fault outside the program
becomes, and the pause in writing after the disk was found full."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.store.files import create_private_file, room_problem
from bot.store.migrations import migrate
from bot.store.sql import SQLITE, SQLDatabase

log = logging.getLogger(__name__)

T = TypeVar("T")
BUSY_TIMEOUT_MS = 5000  # how long a write waits for another process's lock before giving up
FULL_PAUSE = 5.0  # seconds new writes are refused after the disk was found full


class StoreUnavailableError(RuntimeError):
    """Raised when a read or write fails for a reason outside the program (lock, permissions,
    disk): nothing of the operation was saved, and trying again later may succeed."""

    note = "store_unavailable"  # the Outcome note the engine answers it with


class StoreBusyError(StoreUnavailableError):
    """Raised when the database stays locked by another writer for longer than the busy timeout."""

    note = "busy"


class StoreReadOnlyError(StoreUnavailableError):
    """Raised when the database file (or its folder) cannot be written: permissions, a
    read-only mount."""

    note = "read_only"


class StoreFullError(StoreUnavailableError):
    """Raised when the disk (or SQLite's page limit) is full."""

    note = "disk_full"


class DatabaseStartupError(OSError):
    """Raised by `open()` when the database cannot be used at all; the message names the file."""


class DatabaseDiskFullError(DatabaseStartupError):
    """Raised by `open()` when the database cannot grow (its disk is full); the message is one
    line starting "disk full"."""


class TicketNotFound(LookupError):  # noqa: N818 -- the name is fixed by the shared contract
    """Raised when a ticket number (or a staff post) does not exist."""


class StoreNotOpenError(RuntimeError):
    """Raised when the store is used before `open()` or after `close()`."""


class DatabaseFolderMissingError(DatabaseStartupError, FileNotFoundError):
    """Raised at start-up when the database file's folder does not exist."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_text(moment: datetime) -> str:
    """A time as stored: UTC ISO 8601 with microseconds, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}; pass an aware one (UTC)")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Database(SQLDatabase):
    """One aiosqlite connection in autocommit mode; writes go through `transaction()`.

    Coroutines of one process take turns through an asyncio lock (one connection cannot hold two
    transactions); other processes are kept apart by SQLite's own lock (`BEGIN IMMEDIATE` with a
    busy timeout). A call made inside `transaction()` joins it instead of opening a new one.
    """

    dialect = SQLITE

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        pragmas: tuple[str, ...] = (),
        full_pause: float = FULL_PAUSE,
    ) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self.full_pause = full_pause
        self._full_until = 0.0  # time.monotonic() until which writes are refused (disk full)
        # Extra PRAGMAs run first on connect (tests use "query_only = ON" to stand for a
        # read-only file and "max_page_count = N" for a full disk).
        self.pragmas = pragmas
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._inside: contextvars.ContextVar[bool] = contextvars.ContextVar(
            f"in_transaction_{id(self)}", default=False
        )

    async def open(self) -> None:
        """Connect, switch on WAL and foreign keys, and bring the schema up to date.

        The folder must exist: a wrong path is a configuration error, reported at start-up
        (callers that own a default location, such as `python -m bot chat`, create it first).
        A new file is created readable by its owner only. A disk too full for the database to
        grow is a start-up error too (DatabaseDiskFullError), not a service refusing everyone.
        """
        if not self.path.parent.is_dir():
            raise DatabaseFolderMissingError(
                f"the database folder {self.path.parent} does not exist (DATABASE_URL={self.path})"
            )
        try:
            create_private_file(self.path)
            conn = await aiosqlite.connect(self.path, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise DatabaseStartupError(f"cannot open the database {self.path}: {exc}") from exc
        try:
            for pragma in self.pragmas:
                await conn.execute(f"PRAGMA {pragma}")
            await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            conn.row_factory = aiosqlite.Row
            await _translate(migrate(conn))
            await _translate(_probe_write(conn))
            problem = await room_problem(conn, self.path)
            if problem is not None:
                raise DatabaseDiskFullError(problem)
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, StoreFullError):
                raise DatabaseDiskFullError(
                    f"disk full: cannot write the database {self.path}; free some space and"
                    " start again"
                ) from exc
            unusable = isinstance(exc, sqlite3.DatabaseError) or (
                isinstance(exc, StoreUnavailableError) and not isinstance(exc, StoreBusyError)
            )
            if unusable:
                raise DatabaseStartupError(
                    f"cannot use the database {self.path}: {exc} (check that the file and its"
                    " folder are writable, that it is an SQLite database, and the free disk space)"
                ) from exc
            raise
        self._conn = conn

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StoreNotOpenError("the ticket store is not open")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Run the block as one write transaction: commit at the end, roll back and re-raise on
        any exception. Nested use joins the outer transaction."""
        if self._inside.get():
            yield
            return
        async with self._lock:
            self._refuse_while_full()
            token = self._inside.set(True)
            try:
                try:
                    await _translate(self.db.execute("BEGIN IMMEDIATE"))
                    yield
                    await _translate(self.db.execute("COMMIT"))
                except BaseException as exc:
                    await asyncio.shield(self._roll_back())
                    translated = (
                        translate_error(exc) if isinstance(exc, sqlite3.OperationalError) else exc
                    )
                    if isinstance(translated, StoreFullError):
                        await self._relieve_full()
                    if translated is not exc:
                        raise translated from exc
                    raise
            finally:
                self._inside.reset(token)

    async def _roll_back(self) -> None:
        """Roll back whatever transaction the connection is in, and nothing when it is in none
        (SQLite has already rolled back after some errors, such as a full disk).

        It runs on aiosqlite's thread behind anything still queued there: a task cancelled
        while its BEGIN or COMMIT was on the thread leaves that statement to run after the
        cancellation, and a check of `in_transaction` made here, before it ran, would leave the
        connection inside a transaction every later BEGIN fails on."""
        await self.db.rollback()

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write; return the new row id for an INSERT (else 0).

        Inside a transaction it joins it. Outside one, the statement is its own transaction
        (the connection autocommits, and SQLite makes a single statement atomic), which saves
        the trips for BEGIN and COMMIT. Each statement is one trip to aiosqlite's thread
        (execute_insert / execute_fetchall run, read and close the cursor there): a turn makes
        dozens of them, so the trips add up.
        """
        if self._inside.get():
            return await self._write(sql, params)
        async with self._lock:
            return await self._alone(self._write(sql, params))

    async def change(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one UPDATE or DELETE (joining the current transaction, if any); return how many
        rows it changed."""
        if self._inside.get():
            return await self._count(sql, params)
        async with self._lock:
            return await self._alone(self._count(sql, params))

    async def _alone(self, write: Awaitable[T]) -> T:
        """A write outside a transaction (the lock held): refused while the disk is full."""
        try:
            self._refuse_while_full()
        except StoreFullError:
            if inspect.iscoroutine(write):
                write.close()  # never started
            raise
        try:
            return await _translate(write)
        except StoreFullError:
            await self._relieve_full()
            raise

    def _refuse_while_full(self) -> None:
        """Refuse new work for a while after the disk was full: every failed attempt would
        only touch the files again."""
        if time.monotonic() < self._full_until:
            raise StoreFullError("the disk is full; new writes are refused for a few seconds")

    async def _relieve_full(self) -> None:
        """The disk is full: stop growing the WAL (checkpoint it and cut it back to nothing,
        which frees its space) and refuse writes for `full_pause` seconds."""
        self._full_until = time.monotonic() + self.full_pause
        try:
            await self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:  # a checkpoint needs room too; the pause still holds
            log.warning("could not checkpoint the WAL on a full disk: %s", exc)

    async def _count(self, sql: str, params: Iterable[Any]) -> int:
        cursor = await self.db.execute(sql, _bound(params))
        try:
            return int(cursor.rowcount)
        finally:
            await cursor.close()

    async def _write(self, sql: str, params: Iterable[Any]) -> int:
        if sql.lstrip()[:6].upper() == "INSERT":
            row = await self.db.execute_insert(sql, _bound(params))
            return int(row[0]) if row else 0
        await self.db.execute_fetchall(sql, _bound(params))
        return 0

    async def rows(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Read inside the current transaction, or else on its own: in WAL mode a read never
        waits for another process's writer, so it takes no write lock."""
        if self._inside.get():
            return await self._fetch(sql, params)
        async with self._lock:
            return await _translate(self._fetch(sql, params))

    async def _fetch(self, sql: str, params: Iterable[Any]) -> list[sqlite3.Row]:
        return list(await self.db.execute_fetchall(sql, _bound(params)))

    async def row(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        found = await self.rows(sql, params)
        return found[0] if found else None

    @asynccontextmanager
    async def erasing(self) -> AsyncIterator[None]:
        """Deleted rows are overwritten in the file, not just unlinked (secure_delete)."""
        await self.db.execute("PRAGMA secure_delete = ON")
        try:
            yield
        finally:
            await self.db.execute("PRAGMA secure_delete = OFF")

    async def empty_log(self) -> bool:
        """Checkpoint the WAL and cut it back to nothing; False when another connection (the
        running service) kept it from being emptied."""
        async with self._lock:  # (busy, WAL frames, frames checkpointed)
            result = list(await self.db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)"))
        return not (bool(result[0][0]) if result else True)


def translate_error(exc: sqlite3.OperationalError) -> Exception:
    """The specific error for an SQLite failure the program cannot help (lock, permissions,
    disk); any other error (a bug in our SQL) is returned unchanged."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary code, without extended bits
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreBusyError("the database is busy (locked by another writer); try again")
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return StoreReadOnlyError(f"the database cannot be written: {exc}")
    if code == sqlite3.SQLITE_FULL:
        return StoreFullError(f"the database is full: {exc}")
    if code == sqlite3.SQLITE_IOERR:
        return StoreUnavailableError(f"the database file could not be read or written: {exc}")
    return exc


def _bound(params: Iterable[Any]) -> tuple[Any, ...] | Mapping[str, Any]:
    """Parameters as sqlite3 takes them: named (a mapping) or positional."""
    return params if isinstance(params, Mapping) else tuple(params)


async def _translate(awaitable: Awaitable[T]) -> T:
    try:
        return await awaitable
    except sqlite3.OperationalError as exc:
        translated = translate_error(exc)
        if translated is exc:
            raise
        raise translated from exc


async def _probe_write(conn: aiosqlite.Connection) -> None:
    """Fail now, not at the first resident's message, when the file cannot be written: a row
    written and deleted again, committed, needs write access and room in the WAL."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        await conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (-1, 'probe', '')"
        )
        await conn.execute("DELETE FROM schema_version WHERE version < 0")
        await conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
