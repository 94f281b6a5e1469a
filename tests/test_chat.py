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
from bot.helpdesk import operations as staff
from bot.messages import Speaker
from bot.store.sqlite import SQLiteTicketStore
from tests.engine_setup import Clock, make_engine

REPO = Path(__file__).resolve().parent.parent
COVERED = "渝中区有多少栋建成楼宇"
UNCOVERED = "火星上明天的天气预报是什么"


def chat(cwd: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    env["PYTHONPATH"] = str(REPO)
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
def test_piped_script_shows_an_answer_a_ticket_and_the_list(tmp_path: Path) -> None:
    """A greeting, a covered question, an uncovered one and /mytickets, through a pipe: an
    answer, a ticket number, and that ticket in the list (the issue's "done when")."""
    result = chat(tmp_path, f"你好\n{COVERED}\n{UNCOVERED}\n/mytickets\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "服务助手" in out  # the greeting
    assert "  1. 跨区通办与毗邻合作" in out  # buttons as numbered options
    assert "亿元级税收楼宇" in out  # the answer
    assert "已为您登记工单 #1" in out  # the ticket
    assert "#1 · 待处理 · 火星上明天的天气预报是什么" in out  # in /mytickets
    assert "> " not in out  # no prompts when stdin is not a terminal
    assert (tmp_path / "data" / "bot.db").is_file()  # the default folder is created


@pytest.mark.slow
def test_as_staff_allows_staff_commands(tmp_path: Path) -> None:
    """--as-staff makes the terminal user staff: /stats answers instead of refusing."""
    result = chat(tmp_path, f"{UNCOVERED}\n/stats\n/reply 1 明天晴\n", "--as-staff")
    assert result.returncode == 0, result.stderr
    assert "新工单：1" in result.stdout
    assert "工作人员回复了您的工单 #1" in result.stdout  # the reply arrives in this chat


async def run_terminal(store: SQLiteTicketStore, lines: str, user_id: int = 1) -> str:
    speaker = Speaker(user_id, user_id, "终端", None, "terminal")
    out = io.StringIO()
    terminal = Terminal(speaker, out, interactive=False)
    await terminal.run(store, make_engine(store, Clock()), io.StringIO(lines))
    return out.getvalue()


async def test_typing_a_number_taps_that_option(tmp_path: Path) -> None:
    """After an answer, "1" taps 👍; a number with no options shown is just text."""
    out = await run_terminal(SQLiteTicketStore(tmp_path / "t.db"), f"{COVERED}\n1\n")
    assert "  1. 👍 有帮助" in out
    assert "谢谢您的反馈" in out


async def test_a_number_after_a_reply_without_options_is_text(tmp_path: Path) -> None:
    """Options are only the latest buttons: after a reply without any, "1" is a question."""
    out = await run_terminal(SQLiteTicketStore(tmp_path / "t.db"), f"{COVERED}\n1\n1\n")
    assert out.count("谢谢您的反馈") == 1
    assert "换个说法" in out or "#1" in out


async def test_a_staff_reply_from_elsewhere_is_printed(tmp_path: Path) -> None:
    """A reply staff sent from another terminal (the CLI) shows up in this chat."""
    path = tmp_path / "t.db"
    await run_terminal(SQLiteTicketStore(path), f"{UNCOVERED}\n")
    store = SQLiteTicketStore(path)
    await store.open()
    await staff.reply(store, 1, "cli", "已经转交。", datetime.now(UTC))
    await store.close()
    out = await run_terminal(SQLiteTicketStore(path), "/help\n")
    assert "【新消息】工作人员回复了您的工单 #1：" in out
    assert "已经转交。" in out
    again = await run_terminal(SQLiteTicketStore(path), "/help\n")
    assert "【新消息】" not in again  # printed once, then marked sent


async def test_a_number_none_of_the_options_has_shows_them_again(tmp_path: Path) -> None:
    """Under the menu's 7 options, "9" asks for 1–7 and shows them again; "1" still taps."""
    out = await run_terminal(SQLiteTicketStore(tmp_path / "t.db"), "/menu\n9\n1\n")
    assert "请输入 1–7 之间的数字" in out
    assert out.count("  1. 跨区通办与毗邻合作") == 2  # the menu, then shown again
    assert "袁家岗" in out.split("请输入 1–7 之间的数字")[1]  # "1" opened the first category
