"""Getting into the console: `/console` through the engine (private chat, staff only),
`python -m bot console-link` and `python -m bot console` from the shell (both backends), the
settings, and migration step 9 on a SQLite database of step 6."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiosqlite
import pytest

from bot.config import SettingsError, load_settings
from bot.helpdesk.console_access import secret_hash
from bot.messages import Speaker
from bot.store.backend import Store
from bot.store.migrations import MIGRATIONS, current_version, migrate
from tests.engine_setup import Clock, make_engine, text
from tests.factories import ENGINE_STAFF_CHAT_ID, ENGINE_STAFF_ID, make_command, make_speaker

REPO = Path(__file__).resolve().parent.parent
IN_PRIVATE = Speaker(ENGINE_STAFF_ID, ENGINE_STAFF_ID, "王芳", "zh", "telegram")
IN_GROUP = Speaker(ENGINE_STAFF_ID, ENGINE_STAFF_CHAT_ID, "王芳", "zh", "telegram")
LINK = re.compile(r"http://127\.0\.0\.1:8080/login/([\w-]{40,})")


async def test_console_in_a_private_chat_gives_a_one_time_link(store: Store) -> None:
    """The link's token is stored only as a hash; it logs in once."""
    engine = make_engine(store, Clock(), staff_user_ids=frozenset({ENGINE_STAFF_ID}))
    outcome = await engine.handle(make_command("/console", IN_PRIVATE))
    found = LINK.search(text(outcome))
    assert found, text(outcome)
    assert "10 分钟" in text(outcome)
    token = found.group(1)
    row = await store.row("SELECT token_hash FROM console_links")
    assert row is not None
    assert row["token_hash"] == secret_hash(token) != token
    assert await store.use_console_link(secret_hash(token), Clock()()) == ENGINE_STAFF_ID


async def test_console_in_the_group_gives_no_link(store: Store) -> None:
    engine = make_engine(store, Clock(), staff_user_ids=frozenset({ENGINE_STAFF_ID}))
    outcome = await engine.handle(make_command("/console", IN_GROUP))
    assert "/login/" not in text(outcome)
    assert "私聊" in text(outcome)
    assert await store.row("SELECT 1 FROM console_links") is None


async def test_console_from_a_resident_is_the_neutral_refusal(store: Store) -> None:
    engine = make_engine(store, Clock(), staff_user_ids=frozenset({ENGINE_STAFF_ID}))
    outcome = await engine.handle(make_command("/console", make_speaker()))
    assert "/login/" not in text(outcome)
    assert "refused" in outcome.notes
    assert await store.row("SELECT 1 FROM console_links") is None


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", str(tmp_path / "none.env"), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "STAFF_USER_IDS": "42",
            **env,
        },
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_console_link_from_the_shell(tmp_path: Path, database_url: str) -> None:
    made = run_cli(
        tmp_path,
        "console-link",
        "--staff-id",
        "42",
        CONSOLE_BASE_URL="https://c.example",
        DATABASE_URL=database_url,
    )
    assert made.returncode == 0, made.stderr
    assert re.fullmatch(r"https://c\.example/login/[\w-]{40,}\n", made.stdout)
    refused = run_cli(tmp_path, "console-link", "--staff-id", "7", DATABASE_URL=database_url)
    assert refused.returncode == 1
    assert "not in STAFF_USER_IDS" in refused.stderr
    assert refused.stdout == ""


@pytest.mark.slow
def test_console_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "console")
    assert result.returncode == 2
    assert "CONSOLE_SECRET" in result.stderr
    served = run_cli(tmp_path, "run", TELEGRAM_BOT_TOKEN="1:x", CONSOLE_PORT="8089")
    assert served.returncode == 2
    assert "CONSOLE_SECRET" in served.stderr


@pytest.mark.parametrize(
    ("name", "value", "complaint"),
    [
        ("CONSOLE_BASE_URL", "console.example", r"not an http\(s\) URL"),
        ("CONSOLE_SECRET", "short", "too short"),
        ("CONSOLE_PORT", "99999", "not a port"),
    ],
)
def test_bad_console_settings_are_named(name: str, value: str, complaint: str) -> None:
    with pytest.raises(SettingsError, match=complaint):
        load_settings({name: value}, env_file=None)


def test_console_secret_is_never_shown() -> None:
    settings = load_settings({"CONSOLE_SECRET": "a-very-secret-value-123"}, env_file=None)
    assert "a-very-secret-value-123" not in repr(settings)


async def test_step_9_carries_a_step_6_database_forward(tmp_path: Path) -> None:
    """A database at step 6 (main before the console) gains the console's tables; its
    tickets stay. SQLite only: an old SQLite file carried forward (test_postgres carries a
    PostgreSQL database of an earlier step)."""
    async with aiosqlite.connect(tmp_path / "fresh.db", isolation_level=None) as db:
        early = tuple(step for step in MIGRATIONS if step[0] <= 6)
        await migrate(db, early)
        await db.execute(
            "INSERT INTO tickets (created_at, updated_at, user_id, chat_id, channel, category,"
            " text) VALUES ('2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', 1, 1,"
            " 'telegram', 'unanswered', '老工单')"
        )
        assert await current_version(db) == 6
        applied = await migrate(db)
        assert applied == [step[0] for step in MIGRATIONS if step[0] > 6]  # 7 … the last
        assert await current_version(db) == MIGRATIONS[-1][0]
        async with db.execute("SELECT text FROM tickets") as cursor:
            assert [r[0] for r in await cursor.fetchall()] == ["老工单"]
        async with db.execute("SELECT COUNT(*) FROM console_sessions") as cursor:
            assert (await cursor.fetchone())[0] == 0


@pytest.mark.slow
def test_console_alone_serves_and_stops_on_sigterm(tmp_path: Path, database_url: str) -> None:
    """`python -m bot console --dev --port N`: pages answer (a login is asked for), SIGTERM
    stops it with exit status 0."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "console.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--dev", "--port", str(port)],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO),
            "DATABASE_URL": database_url,
            "STAFF_USER_IDS": "42",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        status = None
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/queue", timeout=1)
            except urllib.error.HTTPError as exc:
                status = exc.code
                break
            except OSError:
                time.sleep(0.2)
        assert status == 401
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    assert "throwaway secret" in (tmp_path / "console.log").read_text()
