"""Fixtures shared across the test suite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.sqlite import SQLiteTicketStore
from tests.fake_bot_api import FakeBotApi


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteTicketStore]:
    """A real ticket store on a fresh SQLite file, opened and migrated."""
    store = SQLiteTicketStore(tmp_path / "bot.db")
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
