"""What a database holds, read the same way on both backends (the DATABASE_URL a test, or a
service it started, uses): `stored_rows` looks beside a running service with one plain
connection, as an operator's query would; `opened` is a store of its own for the interface's
reads, opened for the block as another process would open it."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, closing
from typing import Any

import asyncpg

from bot.config import Settings, is_postgres_url, parse_database_url
from bot.store.backend import Store, make_store
from bot.store.postgres_database import to_dollar


@asynccontextmanager
async def opened(database_url: str) -> AsyncIterator[Store]:
    """The store DATABASE_URL names, open for the block."""
    store = make_store(Settings(database_url=database_url))
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def stored_rows(
    database_url: str, sql: str, params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Every row of one query (`?` placeholders, SQL both backends run), as tuples; the
    database is only read (SQLite's WAL lets a reader in while the service writes)."""
    if is_postgres_url(database_url):
        conn = await asyncpg.connect(database_url)
        try:
            return [tuple(row) for row in await conn.fetch(to_dollar(sql), *params)]
        finally:
            await conn.close()
    with closing(sqlite3.connect(parse_database_url(database_url))) as db:
        return [tuple(row) for row in db.execute(sql, tuple(params)).fetchall()]
