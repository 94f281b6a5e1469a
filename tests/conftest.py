"""Fixtures shared across the test suite.

`store` is parametrised over both backends: every test that takes it runs on a fresh SQLite
file and on a fresh PostgreSQL database (of one throwaway server per session,
tests/postgres_server.py). A test about SQLite itself (PRAGMAs, its files) is marked
`sqlite_only` and runs once. When no PostgreSQL server can be started the Postgres runs are
skipped with the reason, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from bot.config import Settings
from bot.store.backend import Store, make_store
from bot.store.postgres import PostgresTicketStore
from tests.fake_bot_api import FakeBotApi
from tests.postgres_server import Server, ServerUnavailableError, start_server, stop_server

BACKENDS = ("sqlite", "postgres")
TEMPLATE = "yuzhong_template"  # migrated once; each test's database is a copy of it
_databases = itertools.count(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run a `sqlite_only` test on SQLite only (its Postgres instance is deselected)."""
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        postgres_run = params.get("backend") == "postgres"
        (drop if postgres_run and item.get_closest_marker("sqlite_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server | str]:
    """The session's PostgreSQL server with a migrated template database, or why there is
    none."""
    try:
        server = start_server()
    except ServerUnavailableError as exc:
        yield str(exc)
        return
    try:
        asyncio.run(_make_template(server))
        yield server
    finally:
        stop_server(server)


async def _make_template(server: Server) -> None:
    admin = await asyncpg.connect(server.url())
    try:
        await admin.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await admin.close()
    store = PostgresTicketStore(server.url(TEMPLATE))
    await store.open()
    await store.close()


def _server(postgres_server: Server | str) -> Server:
    if isinstance(postgres_server, str):
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL: {postgres_server}")
        pytest.skip(f"no PostgreSQL server could be started: {postgres_server}")
    return postgres_server


@asynccontextmanager
async def new_database(server: Server, template: str) -> AsyncIterator[str]:
    """A database of its own (a copy of `template`) for one test, dropped after it."""
    name = f"test_{os.getpid()}_{next(_databases)}"
    admin = await asyncpg.connect(server.url())
    try:
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    finally:
        await admin.close()
    yield server.url(name)
    admin = await asyncpg.connect(server.url())
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture
async def postgres_url(postgres_server: Server | str) -> AsyncIterator[str]:
    """The URL of a new, migrated PostgreSQL database for this test alone."""
    async with new_database(_server(postgres_server), TEMPLATE) as url:
        yield url


@pytest.fixture
async def empty_postgres_url(postgres_server: Server | str) -> AsyncIterator[str]:
    """The URL of a new PostgreSQL database without any table, for this test alone."""
    async with new_database(_server(postgres_server), "template0") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which store the test runs on: "sqlite" or "postgres"."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """DATABASE_URL of a fresh database on the test's backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def service_backend(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test's service (tests/telegram_harness.py) on the test's backend: a module opts
    in with `pytestmark = pytest.mark.usefixtures("service_backend")`."""
    monkeypatch.setenv("TEST_DATABASE_URL", database_url)
    return database_url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A real ticket store on a fresh database (SQLite file, PostgreSQL database), opened and
    migrated."""
    store = make_store(Settings(database_url=database_url))
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A fake Telegram Bot API on 127.0.0.1, started for the test and stopped after it."""
    server = FakeBotApi()
    await server.start()
    yield server
    await server.stop()
