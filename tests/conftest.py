"""Fixtures shared across the test suite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.tickets import SQLiteTicketStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteTicketStore]:
    """A real ticket store on a fresh SQLite file, opened and migrated."""
    store = SQLiteTicketStore(tmp_path / "bot.db")
    await store.open()
    yield store
    await store.close()
