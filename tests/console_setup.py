"""The staff console on a real database (the test's backend: a SQLite file or a PostgreSQL
database, `database_url` in tests/conftest.py), for route tests (Starlette's TestClient) and
the browser tests: settings, seeding tickets, logging in through a one-time link."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.config import Settings, load_settings
from bot.console.app import build_console
from bot.helpdesk.console_access import issue_link
from bot.store.backend import Store, make_store
from bot.store.database import utcnow
from bot.store.model import NewTicket
from tests.telegram_harness import shared_knowledge

STAFF_A, STAFF_B, OUTSIDER = 900001, 900002, 555
SECRET = "test-console-secret-0123456789"
BASE = "http://testserver"
T = TypeVar("T")


def console_settings(database_url: str, **extra: str) -> Settings:
    env = {
        "DATABASE_URL": database_url,
        "STAFF_USER_IDS": f"{STAFF_A},{STAFF_B}",
        "STAFF": f"{STAFF_A}:张三,{STAFF_B}:李四",
        "CONSOLE_SECRET": SECRET,
        "CONSOLE_BASE_URL": BASE,
        **extra,
    }
    return load_settings(env, env_file=None)


def with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """Run `work` on a store connection of its own (as another process would)."""

    async def run() -> T:
        store = make_store(settings)
        await store.open()
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def seed(settings: Settings, *texts: str, category: str = "unanswered") -> list[int]:
    """File one ticket per text (residents 1001, 1002 …); return their numbers."""

    async def work(store: Store) -> list[int]:
        numbers = []
        for i, text in enumerate(texts):
            new = NewTicket(
                user_id=1001 + i,
                chat_id=1001 + i,
                channel="telegram",
                category=category,  # type: ignore[arg-type]
                text=text,
                name=f"居民{i}",
            )
            ticket, _ = await store.create_ticket(new, utcnow())
            numbers.append(ticket.number)
        return numbers

    return with_store(settings, work)


def login_link(settings: Settings, user_id: int, at: datetime | None = None) -> str:
    async def work(store: Store) -> str:
        return await issue_link(store, settings, user_id, at or utcnow())

    return with_store(settings, work)


def console_app(settings: Settings) -> Starlette:
    store = make_store(settings)
    return build_console(settings, store, shared_knowledge, SECRET, open_store=True)


def log_in(client: TestClient, settings: Settings, user_id: int = STAFF_A) -> None:
    link = login_link(settings, user_id)
    response = client.get(link.removeprefix(BASE))
    assert response.status_code == 200, response.text


def form_value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no {name} field"
    return found.group(1)
