"""The PostgreSQL connection every store part shares: a pool of asyncpg connections, the
numbered migrations under one advisory lock, one transaction helper, and the errors a fault
outside the program becomes (the same ones the SQLite store raises).

The parts' SQL uses `?` placeholders; here they become `$1, $2 …`. A transaction holds one
pooled connection for its length (a context variable tells the calls inside it to use that one);
a statement outside a transaction borrows a connection for itself. Nothing holds a session-level
lock: a connection pooler in transaction mode may hand each transaction another server session.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeAlias, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.store.database import (
    DatabaseDiskFullError,
    DatabaseStartupError,
    StoreBusyError,
    StoreFullError,
    StoreNotOpenError,
    StoreReadOnlyError,
    StoreUnavailableError,
)
from bot.store.migrations import MIGRATIONS, SCHEMA_VERSION_TABLE, Migration, postgres_steps
from bot.store.sql import POSTGRES, SQLDatabase

log = logging.getLogger(__name__)

T = TypeVar("T")
# A pooled connection, and the pool (the stubs' generics; the runtime classes take no subscript).
Connection: TypeAlias = "asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"
Pool: TypeAlias = "asyncpg.Pool[asyncpg.Record]"

# As SQLite's busy timeout: a statement waits this long for another transaction's row lock,
# and a caller this long for a free pooled connection, before the store says "busy".
LOCK_TIMEOUT_MS = 5000
ACQUIRE_TIMEOUT = 5.0
CONNECT_TIMEOUT = 10.0
CLOSE_TIMEOUT = 10.0
RELISTEN_EVERY = 5.0  # seconds between tries at listening again after the connection dropped
CHANNEL_PREFIX = "yuzhong_"  # NOTIFY channels: yuzhong_reload …
# Every migration step takes this transaction-level advisory lock first, so replicas starting
# together apply each step once (the key is arbitrary, fixed: "yuzhong" in ASCII).
MIGRATION_LOCK = 0x79757A686F6E67
# The key column an INSERT returns (`execute` gives the new row's key, as SQLite's lastrowid).
ROW_KEYS = {
    "tickets": "number",
    "events": "id",
    "attachments": "id",
    "outbox": "id",
    "answers": "id",
    "erasures": "id",
    "inbox": "id",
    "kb_proposals": "id",
}
NUL_STANDIN = "\ufffd"  # what a NUL character in a text value is stored as
_INSERT = re.compile(r"\s*INSERT\s+INTO\s+(\w+)", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|\?")


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{parts.username}:***@{host}{port}" if parts.username else f"{host}{port}"
    return urlunsplit(parts._replace(netloc=netloc))


@cache
def to_dollar(sql: str) -> str:
    """`?` placeholders (outside quoted text) as `$1, $2 …`."""
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda m: f"${next(counter)}" if m.group() == "?" else m.group(), sql)


@cache
def _returning_key(sql: str) -> str:
    """An INSERT into a table with a key, made to return it; any other statement unchanged."""
    found = _INSERT.match(sql)
    if found is None or "RETURNING" in sql.upper() or found.group(1) not in ROW_KEYS:
        return sql
    return f"{sql} RETURNING {ROW_KEYS[found.group(1)]}"


def translate_error(exc: BaseException) -> BaseException:
    """The store's error for a failure the program cannot help (lock, connection, disk,
    read-only server); any other error (a bug in our SQL, a constraint) unchanged."""
    if isinstance(exc, asyncpg.PostgresError):
        state = str(getattr(exc, "sqlstate", "") or "")
        if state in ("40001", "40P01", "55P03", "57014"):
            return StoreBusyError(f"the database is busy: {exc}")
        if state == "53100":
            return StoreFullError(f"the database is full: {exc}")
        if state in ("25006", "42501"):
            return StoreReadOnlyError(f"the database cannot be written: {exc}")
        if state.startswith(("08", "53", "57P", "58")):
            return StoreUnavailableError(f"the database cannot be reached: {exc}")
        return exc
    if isinstance(exc, TimeoutError):
        return StoreBusyError("every database connection is in use; try again")
    if isinstance(exc, OSError):
        return StoreUnavailableError(f"the database cannot be reached: {exc}")
    return exc


async def _translate(awaitable: Awaitable[T]) -> T:
    try:
        return await awaitable
    except (asyncpg.PostgresError, OSError, TimeoutError) as exc:
        translated = translate_error(exc)
        if translated is exc:
            raise
        raise translated from exc


class PostgresDatabase(SQLDatabase):
    """A pool of connections to one PostgreSQL database; writes go through `transaction()`."""

    dialect = POSTGRES

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        steps: tuple[Migration, ...] = MIGRATIONS,
        lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    ) -> None:
        self.url = url
        self.lock_timeout_ms = lock_timeout_ms
        self.min_size = min_size
        self.max_size = max_size
        self.steps = steps
        self._pool: Pool | None = None
        # Announcements from other replicas arrive on a connection of its own (LISTEN holds a
        # session: it cannot share the pool's), opened by the first `listen`.
        self._listener: asyncpg.Connection[asyncpg.Record] | None = None
        self._topics: dict[str, Callable[[str], None]] = {}
        self._relisten: asyncio.Task[None] | None = None
        self._current: contextvars.ContextVar[Connection | None] = contextvars.ContextVar(
            f"pg_transaction_{id(self)}", default=None
        )

    async def open(self) -> None:
        """Connect the pool, bring the schema up to date, and check the server takes writes
        (a hot standby does not): each failure is one DatabaseStartupError naming the server."""
        steps = postgres_steps(self.steps)
        where = redacted(self.url)
        try:
            pool = await asyncpg.create_pool(
                self.url,
                min_size=min(self.min_size, self.max_size),
                max_size=self.max_size,
                timeout=CONNECT_TIMEOUT,
                server_settings={
                    "lock_timeout": str(int(self.lock_timeout_ms)),
                    "application_name": "yuzhong-bot",
                },
            )
        except (asyncpg.PostgresError, OSError, TimeoutError) as exc:
            raise DatabaseStartupError(f"cannot connect to the database {where}: {exc}") from exc
        try:
            async with pool.acquire() as conn:
                await _translate(migrate(conn, steps))
                await _translate(_probe_write(conn))
        except BaseException as exc:
            await pool.close()
            if isinstance(exc, StoreFullError):
                raise DatabaseDiskFullError(
                    f"disk full: the database server {where} cannot grow; free some space"
                ) from exc
            if isinstance(exc, StoreUnavailableError | asyncpg.PostgresError):
                raise DatabaseStartupError(f"cannot use the database {where}: {exc}") from exc
            raise
        self._pool = pool

    async def close(self) -> None:
        self._topics.clear()
        if self._relisten is not None:
            self._relisten.cancel()
        if self._listener is not None:
            listener, self._listener = self._listener, None
            with suppress(asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                await listener.close(timeout=CLOSE_TIMEOUT)
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        try:
            await asyncio.wait_for(pool.close(), CLOSE_TIMEOUT)
        except TimeoutError:
            log.warning("database connections still busy after %.0f s; closing them", CLOSE_TIMEOUT)
            pool.terminate()

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            raise StoreNotOpenError("the ticket store is not open")
        return self._pool

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """The transaction's connection inside one; else one borrowed from the pool."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        async with _translated_acquire(self.pool) as conn:
            yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """Run the block as one transaction on one connection: commit at the end, roll back
        and re-raise on any exception. Nested use joins the outer transaction."""
        if self._current.get() is not None:
            yield
            return
        async with _translated_acquire(self.pool) as conn:
            token = self._current.set(conn)
            try:
                # asyncpg's own context manager: it commits or rolls back whatever ends the
                # block, a cancellation in the middle of COMMIT included.
                async with conn.transaction():
                    yield
            except BaseException as exc:
                translated = translate_error(exc)
                if translated is not exc:
                    raise translated from exc
                raise
            finally:
                self._current.reset(token)

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write; return the new row's key for an INSERT into a table with one."""
        keyed = _returning_key(sql)
        async with self.connection() as conn:
            if keyed != sql:
                key = await _translate(conn.fetchval(to_dollar(keyed), *_bound(params)))
                return int(key) if key is not None else 0
            await _translate(conn.execute(to_dollar(sql), *_bound(params)))
        return 0

    async def change(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one UPDATE or DELETE; return how many rows it changed."""
        async with self.connection() as conn:
            status = await _translate(conn.execute(to_dollar(sql), *_bound(params)))
        count = status.rsplit(" ", 1)[-1]
        return int(count) if count.isdigit() else 0

    async def rows(self, sql: str, params: Iterable[Any] = ()) -> Sequence[asyncpg.Record]:
        async with self.connection() as conn:
            return await _translate(conn.fetch(to_dollar(sql), *_bound(params)))

    async def announce(self, topic: str, payload: str) -> None:
        """NOTIFY every replica listening on `topic` (delivered when this commits)."""
        await self.rows("SELECT pg_notify(?, ?)", (_channel(topic), payload))

    async def listen(self, topic: str, callback: Callable[[str], None]) -> None:
        """LISTEN on `topic` on the store's listening connection (opened now if need be; when
        it drops, it is opened again every few seconds and listens again)."""
        self._topics[topic] = callback
        if self._listener is None:
            await self._connect_listener()
        else:
            await self._listener.add_listener(_channel(topic), self._notified)

    async def _connect_listener(self) -> None:
        try:
            listener = await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT)
        except (asyncpg.PostgresError, OSError, TimeoutError) as exc:
            raise StoreUnavailableError(f"cannot listen for other replicas: {exc}") from exc
        for topic in self._topics:
            await listener.add_listener(_channel(topic), self._notified)
        listener.add_termination_listener(self._listener_lost)
        self._listener = listener

    def _notified(self, _conn: object, _pid: int, channel: str, payload: object) -> None:
        callback = self._topics.get(channel.removeprefix(CHANNEL_PREFIX))
        if callback is not None:
            callback(str(payload))

    def _listener_lost(self, _conn: object) -> None:
        if not self._topics or self._relisten is not None:
            return
        log.warning("lost the connection listening for other replicas; reconnecting")
        self._listener = None
        self._relisten = asyncio.get_running_loop().create_task(self._reconnect_listener())

    async def _reconnect_listener(self) -> None:
        try:
            while self._topics and self._listener is None:
                try:
                    await self._connect_listener()
                except StoreUnavailableError:
                    await asyncio.sleep(RELISTEN_EVERY)
        finally:
            self._relisten = None

    async def insert_rows(
        self, table: str, columns: Sequence[str], records: Sequence[Sequence[Any]]
    ) -> None:
        """Bulk-load rows with COPY (inside the current transaction, if any)."""
        async with self.connection() as conn:
            await _translate(
                conn.copy_records_to_table(
                    table, records=[tuple(r) for r in records], columns=list(columns)
                )
            )

    async def restart_keys(self) -> None:
        """After rows were loaded with their keys: each identity column continues after the
        highest key (`db copy`)."""
        for table, column in ROW_KEYS.items():
            await self.rows(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
            )


def _channel(topic: str) -> str:
    return CHANNEL_PREFIX + topic


@asynccontextmanager
async def _translated_acquire(pool: Pool) -> AsyncIterator[Connection]:
    try:
        conn = await _translate(pool.acquire(timeout=ACQUIRE_TIMEOUT))
    except asyncpg.InterfaceError as exc:  # the pool is closing
        raise StoreUnavailableError(f"the database connections are closed: {exc}") from exc
    try:
        yield conn
    finally:
        await pool.release(conn)


def _bound(params: Iterable[Any]) -> tuple[Any, ...]:
    """The parameters as asyncpg takes them. PostgreSQL text cannot hold a NUL character
    (SQLite can): one in what a resident sent is stored as U+FFFD instead of failing the turn."""
    if isinstance(params, dict):
        raise TypeError("the PostgreSQL store takes positional (?) parameters only")
    return tuple(
        p.replace("\x00", NUL_STANDIN) if isinstance(p, str) and "\x00" in p else p for p in params
    )


async def current_version(conn: Connection) -> int:
    version = await conn.fetchval("SELECT MAX(version) FROM schema_version")
    return int(version) if version is not None else 0


async def migrate(conn: Connection, steps: list[tuple[int, str, str]]) -> list[int]:
    """Apply every step newer than the database; return the versions applied. Each step, its
    record and the advisory lock that keeps other replicas out share one transaction."""
    applied: list[int] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute(SCHEMA_VERSION_TABLE)
    for version, name, script in steps:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            if await current_version(conn) >= version:
                continue
            await conn.execute(script)  # several statements: no parameters, one round trip
            await conn.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
                version,
                name,
                datetime.now(UTC).isoformat(),
            )
        applied.append(version)
    return applied


async def _probe_write(conn: Connection) -> None:
    """Fail now, not at the first resident's message, when the server takes no writes."""
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO schema_version (version, name, applied_at) VALUES (-1, 'probe', '')"
        )
        await conn.execute("DELETE FROM schema_version WHERE version < 0")
