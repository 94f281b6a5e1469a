"""Fixtures shared across the test suite, and which tests run on which database.

`store` is parametrised over both backends: every test that takes it runs on a fresh SQLite
file and on a fresh PostgreSQL database (of one throwaway server per session,
tests/postgres_server.py; each test's database is a copy of one migrated template, so a new
one costs a `CREATE DATABASE … TEMPLATE`). `database_url` is that database's DATABASE_URL for
tests that open it themselves or hand it to a command or a process (tests/stored.py reads what
it holds on either backend); a module running the Telegram service in-process or as `run`
opts in with `pytestmark = pytest.mark.usefixtures("service_backend")`. When no PostgreSQL
server can be started the Postgres runs are skipped with the reason, except in CI (CI=true),
where that is a failure. `make test-fast` runs the SQLite half only (`-k "not postgres"`).

Every test that uses a database runs on both, except these, each saying why where it is:
- SQLite's own files and PRAGMAs: the default file and folder, owner-only permissions, WAL and
  its checkpoint, secure_delete's overwritten bytes (the check inside test_forget's removal
  test), a missing folder, a file that is not a database (test_store_faults,
  test_tickets::test_a_missing_folder_is_a_clear_error, test_staff_cli and
  test_telegram_service's missing folder, test_forget's WAL test);
- faults made SQLite's way: its write lock held by a second connection (BEGIN IMMEDIATE),
  `PRAGMA query_only`, a full disk (test_store_faults, test_engine_rules' and
  test_engine_redelivery's busy database, test_tickets' locked database, test_delivery_faults'
  full disk), and a table dropped under the engine (test_telegram_e2e: PostgreSQL's foreign
  keys refuse it). test_postgres makes the same faults PostgreSQL's way (a locked table, a
  read-only server, a server that goes away); tests/store_faults.py makes a lock and a
  read-only database on PostgreSQL too, for test_delivery_faults, test_console's and
  test_telegram_e2e's read-only tests, which run on both;
- a case that cannot arise on PostgreSQL: a failed send not recorded on a read-only database
  (test_delivery_faults: PostgreSQL's outbox claims a message, a write, before sending it);
- an old SQLite file carried forward by the migrations (test_migration_staff,
  test_migration_workflow, test_console_access' step 9, test_learning_parts' proposals step,
  test_tickets' schema and failing-step tests): test_postgres carries a PostgreSQL database of
  step 5 to the last step and runs a failing step there;
- PostgreSQL only: test_postgres and test_replicas (several processes on one database);
- no database of DATABASE_URL's at all: `ask` and `eval` (test_ask_eval) always preview on a
  throwaway SQLite file (bot/dialogue/preview.py); the settings, knowledge, matching and
  words tests; the start-up refusals before any store is opened (`run` without a token,
  the console without a secret).
A test marked `sqlite_only` has its Postgres instance deselected.
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
