"""Database faults made at the storage edge, on a real SQLite file (and the lock on a real
PostgreSQL database, `PostgresLock`, and a read-only database, `PostgresReadOnly`), for the
fault tests.

- locked: a second real connection holds the write lock (BEGIN IMMEDIATE);
- read-only: `PRAGMA query_only = ON` on the store's connection, so SQLite itself refuses every
  write with SQLITE_READONLY, the error a read-only file gives;
- full disk: the store's aiosqlite connection fails every write as SQLite does on a full disk
  (an OperationalError carrying SQLITE_FULL). `PRAGMA max_page_count` cannot stand in here: the
  outbox's "sent" update rewrites a page it already has, and a full disk refuses that too (the
  WAL cannot grow), while a page limit does not.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from bot.store.database import Database
from bot.store.postgres import PostgresTicketStore

FAULTS = ("read_only", "disk_full", "locked")
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "COMMIT")


class Fault:
    """One fault switched on and off on a store's file or connection."""

    def __init__(self, kind: str, store: Database) -> None:
        if kind not in FAULTS:
            raise ValueError(kind)
        self.kind = kind
        self.store = store
        self._other: sqlite3.Connection | None = None
        self._saved: dict[str, Any] = {}

    async def on(self) -> None:
        if self.kind == "read_only":
            await self.store.db.execute("PRAGMA query_only = ON")
        elif self.kind == "locked":
            self._other = sqlite3.connect(self.store.path, isolation_level=None)
            self._other.execute("BEGIN IMMEDIATE")
        else:
            conn = self.store.db
            for name in ("execute", "execute_fetchall", "execute_insert"):
                original = getattr(conn, name)
                self._saved[name] = original
                setattr(conn, name, _failing_writes(original))

    async def off(self) -> None:
        if self.kind == "read_only":
            await self.store.db.execute("PRAGMA query_only = OFF")
        elif self.kind == "locked" and self._other is not None:
            self._other.execute("ROLLBACK")
            self._other.close()
            self._other = None
        else:
            conn = self.store.db
            for name in self._saved:
                delattr(conn, name)  # the class's own method again
            self._saved.clear()


def _failing_writes(method: Callable[..., Any]) -> Callable[..., Any]:
    def call(sql: str, *args: Any, **kwargs: Any) -> Any:
        if sql.lstrip().upper().startswith(_WRITES):
            return _full()
        return method(sql, *args, **kwargs)

    return call


def _full() -> Awaitable[Any]:
    async def fail() -> Any:
        error = sqlite3.OperationalError("database or disk is full")
        error.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
        raise error

    return fail()


class PostgresLock:
    """The lock fault on PostgreSQL: another connection holds `LOCK TABLE outbox IN EXCLUSIVE
    MODE` (reads go on; every write to the outbox waits past the store's lock_timeout and is
    refused as busy)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._other: asyncpg.Connection | None = None
        self._transaction: Any = None

    async def on(self) -> None:
        self._other = await asyncpg.connect(self.database_url)
        self._transaction = self._other.transaction()
        await self._transaction.start()
        await self._other.execute("LOCK TABLE outbox IN EXCLUSIVE MODE")

    async def off(self) -> None:
        if self._other is not None:
            await self._transaction.rollback()
            await self._other.close()
            self._other = None


class PostgresReadOnly:
    """The read-only fault on PostgreSQL: the database's default becomes
    `default_transaction_read_only = on` and the store's pool replaces its connections, so
    every write is refused as on a read-only server (SQLSTATE 25006); off, the same again."""

    def __init__(self, database_url: str, store: PostgresTicketStore) -> None:
        self.database_url = database_url
        self.store = store
        server, self.name = database_url.rsplit("/", 1)
        self.admin_url = f"{server}/postgres"  # read-only itself once the fault is on

    async def _set(self, read_only: bool) -> None:
        admin = await asyncpg.connect(self.admin_url)
        try:
            change = "SET default_transaction_read_only = on" if read_only else "RESET ALL"
            await admin.execute(f"ALTER DATABASE {self.name} {change}")
        finally:
            await admin.close()
        await self.store.pool.expire_connections()

    async def on(self) -> None:
        await self._set(True)

    async def off(self) -> None:
        await self._set(False)
