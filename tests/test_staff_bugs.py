"""Issue 15, the staff-side bugs met at the command line: `/reload` in `chat --as-staff`, `ask`
and `chat` piped into `head`, and `run` with a Bot API that cannot be reached; on both backends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.telegram_harness import BotProcess
from tests.test_chat import chat

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
COVERED = "渝中区有多少栋建成楼宇"


def test_reload_works_in_chat_as_staff(tmp_path: Path, database_url: str) -> None:
    """As the README says: /reload reloads the knowledge for staff and refuses others."""
    staff = chat(tmp_path, f"/reload\n{COVERED}\n", "--as-staff", database_url=database_url)
    assert staff.returncode == 0, staff.stderr
    assert "知识库已重新加载 (knowledge reloaded)" in staff.stdout
    assert "亿元级税收楼宇" in staff.stdout  # and the chat goes on with the new knowledge
    resident = chat(tmp_path, "/reload\n", "--user-id", "2", database_url=database_url)
    assert "这个操作仅限工作人员使用" in resident.stdout
    assert "knowledge reloaded" not in resident.stdout


@pytest.mark.parametrize("command", ["ask", "chat"])
def test_piped_into_head_exits_quietly(tmp_path: Path, database_url: str, command: str) -> None:
    """`… | head -1`: the reader goes away after one line; no BrokenPipe traceback, status 0."""
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    env["PYTHONPATH"] = str(REPO)
    env["DATABASE_URL"] = database_url
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", command],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write((COVERED + "\n").encode() * 300)
    process.stdin.close()
    assert process.stdout.readline()  # what `head -1` reads
    process.stdout.close()  # … before it exits
    assert process.stderr is not None
    with process.stderr:
        err = process.stderr.read().decode()
    assert (process.wait(timeout=120), "Traceback" in err) == (0, False), err


async def test_run_with_an_unreachable_bot_api_prints_one_line(
    tmp_path: Path, database_url: str
) -> None:
    """Nothing listens at TELEGRAM_BASE_URL: `run` exits 1 with one error line, no traceback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free again once closed: nothing listens there
    env = {
        "TELEGRAM_BOT_TOKEN": "123456:TEST-unreachable",
        "TELEGRAM_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "DATABASE_URL": database_url,
    }
    process = BotProcess(env, tmp_path / "service.log")
    assert await process.wait(within=60) == 1
    log = process.log()
    errors = [line for line in log.splitlines() if " ERROR " in line]
    assert len(errors) == 1, log
    assert "could not reach the Bot API" in errors[0]
    assert "Traceback" not in log
    assert "TEST-unreachable" not in log
