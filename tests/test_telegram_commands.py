"""Commands: the menus Telegram shows agree with the engine, and group addressing is handled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.dialogue import staff as staff_commands
from bot.store.sqlite import SQLiteTicketStore
from bot.transport.app import STAFF_COMMANDS, TRANSPORT_STAFF_COMMANDS
from bot.transport.handlers import command_text
from bot.words import RESIDENT_COMMANDS, resident_command_menu
from tests.engine_setup import Clock, make_engine
from tests.factories import make_command

# Every test here runs its service on SQLite and on PostgreSQL (conftest: service_backend).
pytestmark = pytest.mark.usefixtures("service_backend")


@pytest.mark.parametrize("name", [name for name, _, _ in RESIDENT_COMMANDS])
async def test_every_command_in_the_resident_menu_is_answered(tmp_path: Path, name: str) -> None:
    """The engine answers every command the menu offers (none is an unknown command)."""
    store = SQLiteTicketStore(tmp_path / "t.db")
    await store.open()
    try:
        outcome = await make_engine(store, Clock()).handle(make_command(f"/{name}"))
    finally:
        await store.close()
    assert outcome.notes[0] != "unknown_command"


def test_the_staff_menu_lists_the_staff_commands() -> None:
    """The staff group's menu offers every staff command: the engine's, /reload (handled by the
    service itself) and /help."""
    names = {name for name, _ in STAFF_COMMANDS}
    assert names == {*staff_commands.STAFF_COMMANDS, *TRANSPORT_STAFF_COMMANDS, "help"}
    assert "reload" in names


@pytest.mark.parametrize(
    ("name", "description"),
    [*resident_command_menu("zh"), *resident_command_menu("en"), *STAFF_COMMANDS],
)
def test_menu_entries_are_valid_for_telegram(name: str, description: str) -> None:
    """Telegram accepts 1-32 lowercase letters, digits and _ as a name, 1-256 characters of text."""
    assert re.fullmatch(r"[a-z0-9_]{1,32}", name)
    assert 1 <= len(description) <= 256


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/start", "/start"),
        ("/reply 3 好的", "/reply 3 好的"),
        ("/reply@yuzhong_test_bot 3 好的", "/reply 3 好的"),
        ("/tickets@Yuzhong_Test_Bot", "/tickets"),
        ("/start@some_other_bot", None),
    ],
)
def test_commands_addressed_to_this_bot_lose_the_address(text: str, expected: str | None) -> None:
    """In groups Telegram appends @botname; a command for another bot is not ours to answer."""
    assert command_text(text, "yuzhong_test_bot") == expected
