"""Run the real Telegram service on the fake Bot API: in this process, or as `python -m bot run`.

In-process runs go through `serving()`, the same life cycle `python -m bot run` runs (the
durable intake polling the fake API), inside pytest's running loop.
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import statistics
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.config import Settings, load_settings
from bot.matching.matcher import Matcher, load_matcher
from bot.store.database import TicketNotFound
from bot.transport.app import build_application
from bot.transport.handlers import Runtime
from bot.transport.intake import serving
from tests.factories import STAFF_CHAT_ID, STAFF_USER_ID
from tests.fake_bot_api import TOKEN, Call, FakeBotApi

REPO = Path(__file__).resolve().parent.parent
TEST_YEARS = REPO / "tests" / "data" / "holidays_test_years.yaml"
# /teach and /approve run the regression checks (leave-one-out over the evaluation sets): about
# 10-20 s alone, more beside the other test workers. How fast they are is bench's business.
CHECKS_WAIT = 90.0  # seconds


def service_env(api: FakeBotApi, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment a deployment would set, pointed at the fake API and a tmp database."""
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": api.base_url,
        "STAFF_CHAT_ID": str(STAFF_CHAT_ID),
        "STAFF_USER_IDS": f"{STAFF_USER_ID},900002",
        # A module running its service tests on both backends sets TEST_DATABASE_URL
        # (conftest's `service_backend` fixture); otherwise a fresh SQLite file.
        "DATABASE_URL": os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'bot.db'}",
        # Years the package may not know yet, so no calendar warning joins the group's posts.
        "HOLIDAYS_FILE": str(TEST_YEARS),
        **extra,
    }


def service_settings(api: FakeBotApi, tmp_path: Path, **extra: str) -> Settings:
    return load_settings(service_env(api, tmp_path, **extra), env_file=None)


@functools.cache
def shared_knowledge() -> Matcher:
    """The bundled knowledge, loaded once for all in-process tests (it is read-only)."""
    settings = Settings()
    return load_matcher(settings.kb_dir, settings.intents_dir)


@asynccontextmanager
async def running_service(
    settings: Settings, knowledge: Matcher | None = None
) -> AsyncIterator[Runtime]:
    """The service polling the fake API in this event loop, as `python -m bot run` runs it
    (on the bundled knowledge unless `knowledge` is given)."""
    application = build_application(settings, knowledge or shared_knowledge())
    async with serving(application, settings, poll_timeout=2.0) as rt:
        yield rt


class BotProcess:
    """`python -m bot run` as a child process, its log written to a file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=log_path.parent,
            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": _pythonpath(), **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def stop(self, sig: int = signal.SIGTERM, within: float = 30.0) -> int:
        """Send `sig` and wait for the exit status."""
        self.process.send_signal(sig)
        return await self.wait(within)

    async def wait(self, within: float = 30.0) -> int:
        for _ in range(int(within * 10)):
            code = self.process.poll()
            if code is not None:
                self._log.close()
                return code
            await asyncio.sleep(0.1)
        self.process.kill()
        raise AssertionError(f"the service did not exit within {within}s:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """kill -9: no clean-up at all, as in a crash or an OOM kill."""
        self.process.kill()
        self.process.wait()
        self._log.close()


def _pythonpath() -> str:
    """This checkout first, then whatever the caller had (nothing else leaks in)."""
    return os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    cuts = statistics.quantiles(ordered, n=20)
    return {"p50": statistics.median(ordered), "p95": cuts[18], "max": ordered[-1]}


def replies_markup(call_params: dict[str, Any]) -> list[str]:
    """The callback data of the buttons a sent message carries."""
    rows = call_params.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


async def post_recorded(api: FakeBotApi, runtime: Runtime, post: Any) -> None:
    """Wait until the service has recorded which ticket a staff post is (the outbox does it
    right after Telegram answers). Staff cannot reply to a post before they see it; the fake
    can, and then the reply would race the record."""
    message_id = int(post.result["message_id"])

    async def recorded() -> bool:
        try:
            await runtime.store.ticket_for_staff_message(STAFF_CHAT_ID, message_id)
        except TicketNotFound:
            return False
        return True

    await api.wait_for(recorded, what=f"staff post {message_id} recorded")


async def next_to(api: FakeBotApi, chat_id: int, update: dict[str, object]) -> Call:
    """Push an update and return the next message sent to `chat_id`."""
    before = len(api.sent(chat_id))
    api.push(update)
    await api.wait_for(lambda: len(api.sent(chat_id)) > before, what=f"a message to {chat_id}")
    return api.sent(chat_id)[before]


def text_of(call: Call) -> str:
    return str(call.params.get("text") or "")
