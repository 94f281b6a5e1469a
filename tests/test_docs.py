"""Docs and data stay honest: every command and setting is documented where people look."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bot.cli import COMMANDS, build_parser
from bot.config import Settings
from bot.dialogue.staff import STAFF_COMMANDS
from bot.kb.intents import load_intents
from bot.paths import bundled_dir
from bot.words import RESIDENT_COMMANDS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
SETTINGS = [field.name.upper() for field in dataclasses.fields(Settings)]


def test_readme_shows_the_two_quick_start_commands() -> None:
    """The quick start is exactly `make run` and `make test`."""
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    assert re.findall(r"^make \w+", quick, re.MULTILINE) == ["make run", "make test"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_cli_command_is_in_the_readme_and_help(command: str) -> None:
    """Each `python -m bot` command is documented and listed by --help."""
    assert f"`{command}" in README
    assert command in build_parser().format_help()


@pytest.mark.parametrize("command", [name for name, _, _ in RESIDENT_COMMANDS])
def test_every_resident_command_is_in_the_readme_and_the_help_reply(command: str) -> None:
    """Each resident command is in the README and in the assistant's own /help reply."""
    help_intent = load_intents(bundled_dir("intents")).get("help")
    assert f"/{command}" in README
    assert f"/{command}" in help_intent.reply + help_intent.reply_en or command in ("start", "help")


@pytest.mark.parametrize("command", [*STAFF_COMMANDS, "reload", "teach", "approve", "reject"])
def test_every_staff_command_is_in_the_readme(command: str) -> None:
    """Each staff command is in the README's staff table."""
    assert f"`/{command}" in README


@pytest.mark.parametrize("name", SETTINGS)
def test_every_setting_is_documented(name: str) -> None:
    """Each setting is in the README's table and in .env.example."""
    assert f"| `{name}` |" in README
    assert re.search(rf"^{name}=", ENV_EXAMPLE, re.MULTILINE)
