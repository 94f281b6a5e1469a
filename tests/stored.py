"""What a database holds, read the same way on both backends: a store of its own on the
DATABASE_URL a test (or a service it started) uses, opened for one look and closed after."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from bot.config import Settings
from bot.store.backend import Store, make_store


@asynccontextmanager
async def opened(database_url: str) -> AsyncIterator[Store]:
    """The store DATABASE_URL names, open for the block (as another process would open it)."""
    store = make_store(Settings(database_url=database_url))
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def stored_rows(
    database_url: str, sql: str, params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Every row of one query (with `?` placeholders, SQL both backends run), as tuples."""
    async with opened(database_url) as store:
        return [tuple(row) for row in await store.rows(sql, params)]
