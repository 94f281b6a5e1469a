"""`python -m bot chat`: the terminal chat, driven through a pipe as a demo script would."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli.chat import Terminal
from bot.config import Settings
from bot.helpdesk import operations as staff
from bot.messages import Speaker
from bot.store.backend import Store, make_store
from tests.engine_setup import Clock, make_engine

REPO = Path(__file__).resolve().parent.parent
COVERED = "渝中区有多少栋建成楼宇"
UNCOVERED = "火星上明天的天气预报是什么"


def chat(
    cwd: Path, script: str, *args: str, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m bot chat` fed `script`: on `database_url`, or without DATABASE_URL (the
    default SQLite file under `cwd`)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    env["PYTHONPATH"] = str(REPO)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", *args],
        input=script,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_piped_script_shows_an_answer_a_ticket_and_the_list(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """A greeting, a covered question, an uncovered one and /mytickets, through a pipe: an
    answer, a ticket number, and that ticket in the list (the issue's "done when"). On SQLite
    without DATABASE_URL (the default file is created), on PostgreSQL with it."""
    url = None if backend == "sqlite" else str(request.getfixturevalue("postgres_url"))
    result = chat(tmp_path, f"你好\n{COVERED}\n{UNCOVERED}\n/mytickets\n", database_url=url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "服务助手" in out  # the greeting
    assert "  1. 跨区通办与毗邻合作" in out  # buttons as numbered options
    assert "亿元级税收楼宇" in out  # the answer
    assert "已为您登记工单 #1" in out  # the ticket
    assert "#1 · 待处理 · 火星上明天的天气预报是什么" in out  # in /mytickets
    assert "> " not in out  # no prompts when stdin is not a terminal
    if url is None:
        assert (tmp_path / "data" / "bot.db").is_file()  # the default folder is created


@pytest.mark.slow
def test_as_staff_allows_staff_commands(tmp_path: Path, database_url: str) -> None:
    """--as-staff makes the terminal user staff: /stats answers instead of refusing."""
    script = f"{UNCOVERED}\n/stats\n/reply 1 明天晴\n"
    result = chat(tmp_path, script, "--as-staff", database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert "新工单：1" in result.stdout
    assert "工作人员回复了您的工单 #1" in result.stdout  # the reply arrives in this chat


async def run_terminal(store: Store, lines: str, user_id: int = 1) -> str:
    speaker = Speaker(user_id, user_id, "终端", None, "terminal")
    out = io.StringIO()
    terminal = Terminal(speaker, out, interactive=False)
    await terminal.run(store, make_engine(store, Clock()), io.StringIO(lines))
    return out.getvalue()


def new_store(database_url: str) -> Store:
    return make_store(Settings(database_url=database_url))


async def test_typing_a_number_taps_that_option(database_url: str) -> None:
    """After an answer, "1" taps 👍; a number with no options shown is just text."""
    out = await run_terminal(new_store(database_url), f"{COVERED}\n1\n")
    assert "  1. 👍 有帮助" in out
    assert "谢谢您的反馈" in out


async def test_a_number_after_a_reply_without_options_is_text(database_url: str) -> None:
    """Options are only the latest buttons: after a reply without any, "1" is a question."""
    out = await run_terminal(new_store(database_url), f"{COVERED}\n1\n1\n")
    assert out.count("谢谢您的反馈") == 1
    assert "换个说法" in out or "#1" in out


async def test_a_staff_reply_from_elsewhere_is_printed(database_url: str) -> None:
    """A reply staff sent from another terminal (the CLI) shows up in this chat."""
    await run_terminal(new_store(database_url), f"{UNCOVERED}\n")
    store = new_store(database_url)
    await store.open()
    await staff.reply(store, 1, "cli", "已经转交。", datetime.now(UTC))
    await store.close()
    out = await run_terminal(new_store(database_url), "/help\n")
    assert "【新消息】工作人员回复了您的工单 #1：" in out
    assert "已经转交。" in out
    again = await run_terminal(new_store(database_url), "/help\n")
    assert "【新消息】" not in again  # printed once, then marked sent


async def test_a_number_none_of_the_options_has_shows_them_again(database_url: str) -> None:
    """Under the menu's 7 options, "9" asks for 1–7 and shows them again; "1" still taps."""
    out = await run_terminal(new_store(database_url), "/menu\n9\n1\n")
    assert "请输入 1–7 之间的数字" in out
    assert out.count("  1. 跨区通办与毗邻合作") == 2  # the menu, then shown again
    assert "袁家岗" in out.split("请输入 1–7 之间的数字")[1]  # "1" opened the first category
