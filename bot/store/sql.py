"""What the store's parts need from a database connection, whichever it is: one write, one
change, rows, one transaction helper; and the few SQL fragments that differ between the two
dialects (SQLite, PostgreSQL).

The parts (tickets, chat state, inbox, outbox, processed messages, erasures) are written against
`SQLDatabase` in SQL both dialects run, with `?` placeholders (the PostgreSQL connection turns
them into `$1, $2 …`). `database.Database` (SQLite) and `postgres_database.PostgresDatabase`
implement it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, overload


class Row(Protocol):
    """A row as both drivers return it: by column name or by position (sqlite3.Row,
    asyncpg.Record)."""

    @overload
    def __getitem__(self, key: str, /) -> Any: ...
    @overload
    def __getitem__(self, key: int, /) -> Any: ...
    def keys(self) -> Iterable[str]: ...
    def __iter__(self) -> Iterator[Any]: ...


@dataclass(frozen=True)
class Dialect:
    """The SQL fragments that differ between the backends."""

    name: str
    # The attachments of a ticket joined by newlines (an aggregate over `attachments`).
    files: str
    # Appended to a SELECT that reads rows the transaction is about to change: SQLite's
    # BEGIN IMMEDIATE already holds the only write lock; PostgreSQL locks the rows.
    for_update: str
    # Appended to the inner SELECT of a claim: rows another transaction is claiming are
    # passed over instead of waited for.
    skip_locked: str
    # An integer at a path in a JSON text column, e.g. ("payload", "message", "from", "id").
    json_int_template: str
    # Run first in a claim's transaction, so claims from several replicas take turns and each
    # sees the claims committed before it (SQLite: BEGIN IMMEDIATE already does).
    claims_in_turn: str = ""
    # Several processes (replicas, on several machines) share the database, so the outbox is
    # claimed before sending. SQLite serves one process: its dispatcher reads the outbox and
    # takes no write lock to do so.
    shared: bool = False
    # First in a turn's transaction: one chat's turns never run at the same time, whichever
    # replica runs them (SQLite: its one writer already). A transaction-level lock, released at
    # commit; a key space of its own (two 32-bit keys) apart from the claims' lock.
    chat_lock: str = ""
    # A LIKE that ignores case (SQLite's LIKE does, for ASCII letters).
    like: str = "LIKE"

    def json_int(self, column: str, *path: str) -> str:
        return self.json_int_template.format(
            column=column, dotted=".".join(path), braced=",".join(path)
        )


SQLITE = Dialect(
    name="sqlite",
    files="group_concat(file_ref, char(10))",
    for_update="",
    skip_locked="",
    json_int_template="json_extract({column}, '$.{dotted}')",
)
POSTGRES = Dialect(
    name="postgresql",
    files="string_agg(file_ref, chr(10) ORDER BY id)",
    for_update=" FOR UPDATE",
    skip_locked=" FOR UPDATE SKIP LOCKED",
    # json, not jsonb: jsonb refuses a "\u0000" escape that a resident's text may hold.
    json_int_template="({column}::json #>> '{{{braced}}}')::bigint",
    # A transaction-level advisory lock (released at commit; never a session lock, which a
    # connection pooler in transaction mode would break). The key is arbitrary and fixed.
    claims_in_turn="SELECT pg_advisory_xact_lock(7975122)",
    shared=True,
    chat_lock="SELECT pg_advisory_xact_lock(1, hashtext(?))",
    like="ILIKE",
)


class SQLDatabase(ABC):
    """One database the store's parts run their SQL on. Writes outside `transaction()` are
    each their own transaction; inside it they join it."""

    dialect: ClassVar[Dialect]

    @abstractmethod
    async def open(self) -> None:
        """Connect and bring the schema up to date (raises DatabaseStartupError)."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Run the block as one write transaction (nested use joins the outer one)."""

    @abstractmethod
    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write; return the new row's key for an INSERT into a table with one (else 0)."""

    @abstractmethod
    async def change(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one UPDATE or DELETE; return how many rows it changed."""

    @abstractmethod
    async def rows(self, sql: str, params: Iterable[Any] = ()) -> Sequence[Row]:
        """Read (or write … RETURNING) and return every row."""

    async def row(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        found = await self.rows(sql, params)
        return found[0] if found else None

    async def insert_rows(
        self, table: str, columns: Sequence[str], records: Sequence[Sequence[Any]]
    ) -> None:
        """Insert rows as they are, keys included (`db copy`), joining the current
        transaction."""
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        for record in records:
            await self.change(sql, record)

    async def restart_keys(self) -> None:  # noqa: B027 -- nothing to do unless overridden
        """After `insert_rows`: new rows get keys after the highest one (SQLite does this by
        itself)."""

    @asynccontextmanager
    async def erasing(self) -> AsyncIterator[None]:
        """Around a deletion on request: whatever makes the deleted rows unreadable in the
        database's files (SQLite: secure_delete). Nothing by default."""
        yield

    async def announce(self, topic: str, payload: str) -> None:  # noqa: B027 -- see docstring
        """Tell the other processes on this database (replicas) something happened, e.g. a
        knowledge reload. Nothing by default: one process uses the database."""

    async def listen(self, topic: str, callback: Callable[[str], None]) -> None:  # noqa: B027
        """Call `callback(payload)` whenever another process announces `topic`. Nothing by
        default: one process uses the database."""

    async def empty_log(self) -> bool:
        """After a deletion on request: empty the write-ahead log of the deleted rows; True
        when it was emptied (SQLite's WAL). False by default: the server keeps its log."""
        return False
