"""Which store DATABASE_URL selects: `sqlite:///…` the embedded SQLite store (the default),
`postgresql://…` the PostgreSQL one; and reading a database's schema history without changing
it (`python -m bot db status`)."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite
import asyncpg

from bot.config import DEFAULT_DATABASE_URL, Settings, is_postgres_url, parse_database_url
from bot.store.database import DatabaseStartupError
from bot.store.files import make_private_folder
from bot.store.migrations import MIGRATIONS
from bot.store.postgres import PostgresTicketStore
from bot.store.postgres_database import redacted
from bot.store.sqlite import SQLiteTicketStore

Store = SQLiteTicketStore | PostgresTicketStore


def make_store(settings: Settings, url: str | None = None) -> Store:
    """The store DATABASE_URL (or `url`) names, not yet open. The default SQLite location
    (data/bot.db) gets its folder created, owner-only; any other folder must exist already."""
    url = url or settings.database_url
    if is_postgres_url(url):
        return PostgresTicketStore(
            url, min_size=settings.database_pool_min, max_size=settings.database_pool_max
        )
    path = parse_database_url(url)
    if url == DEFAULT_DATABASE_URL:
        make_private_folder(path.parent)
    return SQLiteTicketStore(path)


def describe(url: str) -> str:
    """The database for messages: the SQLite file, or the server URL without its password."""
    return redacted(url) if is_postgres_url(url) else str(parse_database_url(url))


@dataclass(frozen=True)
class AppliedStep:
    version: int
    name: str
    applied_at: str


async def applied_steps(url: str) -> list[AppliedStep]:
    """The migration steps recorded in the database, oldest first (none for a new database);
    reads only."""
    if is_postgres_url(url):
        return await _postgres_steps(url)
    path = parse_database_url(url)
    if not path.is_file():
        return []
    try:
        async with aiosqlite.connect(f"file:{path}?mode=ro", uri=True) as conn:
            async with conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
            ) as cursor:
                if await cursor.fetchone() is None:
                    return []
            async with conn.execute(
                "SELECT version, name, applied_at FROM schema_version ORDER BY version"
            ) as cursor:
                return [AppliedStep(int(v), str(n), str(a)) for v, n, a in await cursor.fetchall()]
    except OSError as exc:
        raise DatabaseStartupError(f"cannot read the database {path}: {exc}") from exc


async def _postgres_steps(url: str) -> list[AppliedStep]:
    try:
        conn = await asyncpg.connect(url, timeout=10)
    except (asyncpg.PostgresError, OSError, TimeoutError) as exc:
        raise DatabaseStartupError(
            f"cannot connect to the database {redacted(url)}: {exc}"
        ) from exc
    try:
        if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
            return []
        rows = await conn.fetch(
            "SELECT version, name, applied_at FROM schema_version ORDER BY version"
        )
        return [AppliedStep(int(r["version"]), r["name"], r["applied_at"]) for r in rows]
    finally:
        await conn.close()


def pending_steps(applied: list[AppliedStep]) -> list[tuple[int, str]]:
    """The steps this version of the program has that the database has not applied yet."""
    done = {step.version for step in applied}
    return [(step[0], step[1]) for step in MIGRATIONS if step[0] not in done]
