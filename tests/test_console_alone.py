"""The console serving alone (`python -m bot console`) follows the knowledge files: an approval
by `kb approve` in a shell, or an edit, reaches it without a restart; a broken file keeps the
previous knowledge. On both backends."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.config import Settings
from bot.console import server
from bot.console.server import console_server
from bot.matching.matcher import load_matcher
from bot.paths import bundled_dir
from bot.store.backend import make_store
from tests.console_setup import BASE, SECRET, console_settings, log_in, seed

MARK = "试验新标题"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    copy = tmp_path / "knowledge"
    shutil.copytree(bundled_dir("knowledge"), copy)
    return console_settings(database_url, KB_DIR=str(copy))


def picked(client: TestClient, words: str) -> str:
    return client.get(f"/tickets/1/standard?q={words}").text


def test_the_console_alone_follows_edits_of_the_knowledge_files(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(settings, "渝才荟是什么")
    knowledge = load_matcher(settings.kb_dir, settings.intents_dir)
    alone = console_server(
        settings, make_store(settings), lambda: knowledge, SECRET, open_store=True
    )
    talent = Path(settings.kb_dir) / "talent.yaml"
    original = talent.read_text(encoding="utf-8")
    with TestClient(alone.config.app, base_url=BASE, follow_redirects=False) as client:
        log_in(client, settings)
        assert "standard?entry=" not in picked(client, MARK)

        monkeypatch.setattr(server, "CHECK_EVERY", 0.0)
        talent.write_text(original.replace("    title: ", f"    title: {MARK}", 1), "utf-8")
        assert "standard?entry=" in picked(client, MARK)  # another process's write, followed

        talent.write_text(original + "\n  - id: [broken\n", "utf-8")
        assert "standard?entry=" in picked(client, MARK)  # an error keeps what was loaded
