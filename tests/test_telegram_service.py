"""`python -m bot run` as a real process on the fake Bot API: crash and restart, stop signals,
webhook mode, and the token never written to the log; on both backends (conftest:
service_backend), but for the two start-up refusals that never reach a database store."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import signal
import socket
from pathlib import Path

import aiohttp
import pytest

from bot.paths import bundled_dir
from tests.factories import (
    STAFF_CHAT_ID,
    make_command_update,
    make_text_update,
)
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.stored import stored_rows
from tests.telegram_harness import BotProcess, service_env

pytestmark = [pytest.mark.serial, pytest.mark.slow, pytest.mark.usefixtures("service_backend")]

RESIDENT = 7001
SECOND_RESIDENT = 7002
UNCOVERED = "我的社保卡丢了怎么补办"
COVERED = "渝中区有多少栋建成楼宇"
START_UP = 60.0  # seconds a cold start may take on a slow CI machine


def assert_token_never_logged(*processes: BotProcess) -> None:
    secret = TOKEN.split(":", 1)[1]
    for process in processes:
        log = process.log()
        assert secret not in log, "the bot token appeared in the log"


async def started(api: FakeBotApi, process: BotProcess) -> None:
    """Wait until the process polls for updates (it has initialised and run post_init)."""
    count = len(api.of("getUpdates"))
    await api.wait_for(
        lambda: len(api.of("getUpdates")) > count or process.process.poll() is not None,
        within=START_UP,
        what="the service to start polling",
    )
    assert process.process.poll() is None, process.log()[-3000:]


async def test_kill_9_and_redelivery_give_one_ticket_and_lose_no_message(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    """After kill -9 and a restart that receives the last update again, there is exactly one
    ticket and one staff post, and a reply still queued at the crash is delivered."""
    env = service_env(api, tmp_path, LOG_LEVEL="DEBUG")
    first = BotProcess(env, tmp_path / "first.log")
    await started(api, first)

    update = api.push(make_text_update(RESIDENT, UNCOVERED))
    await api.wait_for(lambda: api.sent(RESIDENT), within=30, what="the ticket number")
    # Killed between Telegram taking a message and the store recording it, a message is sent
    # again after the restart (at least once); that window is not what this test is about.
    await api.wait_for(lambda: _all_sent(database_url), within=30, what="mark_sent")
    # A reply that cannot be sent yet: Telegram fails, so it waits in the outbox.
    api.fail_next("sendMessage", times=1000, status=500)
    api.push(make_text_update(SECOND_RESIDENT, COVERED))
    await api.wait_for(
        lambda: [c for c in api.of("sendMessage") if c.failed], within=30, what="a failed send"
    )
    first.kill()

    api.fail_next("sendMessage", times=0)
    api.redeliver(update)
    second = BotProcess(env, tmp_path / "second.log")
    await started(api, second)
    await api.wait_for(lambda: api.sent(SECOND_RESIDENT), within=30, what="the queued reply")
    before = len(api.sent(RESIDENT))
    api.push(make_command_update(RESIDENT, "/mytickets"))
    await api.wait_for(lambda: len(api.sent(RESIDENT)) > before, within=30, what="/mytickets")
    assert await second.stop() == 0

    mytickets = api.texts(RESIDENT)[-1]
    assert len(re.findall(r"#\d+", mytickets)) == 1
    assert len(api.sent(STAFF_CHAT_ID)) == 1
    assert_token_never_logged(first, second)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_stop_signal_stops_cleanly_with_status_0(
    api: FakeBotApi, tmp_path: Path, sig: signal.Signals
) -> None:
    """SIGTERM or SIGINT right after an update was fetched: the service still answers it,
    closes everything and exits 0."""
    process = BotProcess(service_env(api, tmp_path), tmp_path / "service.log")
    await started(api, process)
    update = api.push(make_text_update(RESIDENT, COVERED))
    await api.wait_for(  # the next poll confirms it: it is in the Application's queue
        lambda: any(
            int(c.params.get("offset") or 0) > update["update_id"] for c in api.of("getUpdates")
        ),
        within=30,
        what="the update to be fetched",
    )
    assert await process.stop(sig) == 0
    assert len(api.sent(RESIDENT)) == 1
    log = process.log()
    assert "Traceback" not in log
    assert "stopped" in log
    assert_token_never_logged(process)


async def test_a_second_stop_signal_stops_at_once_and_keeps_the_unsent_queued(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    """While the service waits (up to 10 s) for a staff post Telegram has not answered, a
    second SIGTERM makes it stop at once, exit 0, and leave that post queued in the outbox.
    (python-telegram-bot's own handler raised SystemExit in the middle of the shutdown: the
    store stayed open and the process hung.)"""
    process = BotProcess(service_env(api, tmp_path), tmp_path / "service.log")
    await started(api, process)
    api.hold(STAFF_CHAT_ID)
    api.push(make_text_update(RESIDENT, UNCOVERED))
    await api.wait_for(lambda: api.sent(RESIDENT), within=30, what="the ticket number")
    process.process.send_signal(signal.SIGTERM)
    await asyncio.sleep(1.0)  # the first signal is now waiting for the staff post
    assert process.process.poll() is None
    assert await process.stop(signal.SIGTERM, within=5) == 0
    assert "asked again to stop" in process.log()
    unsent = await stored_rows(
        database_url,
        "SELECT kind FROM outbox WHERE sent_at IS NULL AND chat_id = ?",
        (STAFF_CHAT_ID,),
    )
    assert unsent == [("staff_post",)]


async def test_stop_signals_repeated_until_the_process_exits_still_exit_0(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """An impatient supervisor repeats SIGTERM every few milliseconds: however late one comes
    (even after the event loop, with the service's own handlers, has closed), the exit status
    is 0. (A repeat in that last window killed the process with status -15.)"""
    process = BotProcess(service_env(api, tmp_path), tmp_path / "service.log")
    await started(api, process)
    for _ in range(3000):  # at most 30 s
        if process.process.poll() is not None:
            break
        process.process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.01)
    assert await process.wait(within=5) == 0, process.log()[-3000:]


@pytest.mark.sqlite_only  # it stops before opening any database
async def test_run_without_a_token_explains_what_is_missing(tmp_path: Path) -> None:
    """`run` with no TELEGRAM_BOT_TOKEN exits 2 and names the setting."""
    process = BotProcess({"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}, tmp_path / "x.log")
    assert await process.wait() == 2
    assert "TELEGRAM_BOT_TOKEN" in process.log()


async def test_webhook_mode_accepts_only_updates_with_the_secret(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """With WEBHOOK_URL set, the service registers the webhook with its secret token and answers
    updates posted to it; a request without the secret is rejected."""
    port = _free_port()
    env = service_env(
        api,
        tmp_path,
        WEBHOOK_URL="https://bot.example.org/telegram-hook",
        WEBHOOK_SECRET="s3cret-Token_1",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    process = BotProcess(env, tmp_path / "webhook.log")
    [set_webhook] = await api.wait_for(
        lambda: api.of("setWebhook"), within=START_UP, what="setWebhook"
    )
    assert set_webhook.params["url"] == "https://bot.example.org/telegram-hook"
    assert set_webhook.params["secret_token"] == "s3cret-Token_1"

    url = f"http://127.0.0.1:{port}/telegram-hook"
    update = {"update_id": 1, **make_text_update(RESIDENT, COVERED)}
    async with aiohttp.ClientSession() as session:
        status = await _post_when_listening(session, url, update, "wrong-secret")
        assert status == 403
        status = await _post_when_listening(session, url, update, "s3cret-Token_1")
        assert status == 200
    await api.wait_for(lambda: api.sent(RESIDENT), within=30, what="the answer")
    assert await process.stop() == 0
    assert_token_never_logged(process)


async def _post_when_listening(
    session: aiohttp.ClientSession, url: str, update: dict[str, object], secret: str
) -> int:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"}
    for _ in range(int(START_UP * 10)):
        try:
            async with session.post(url, data=json.dumps(update), headers=headers) as response:
                return response.status
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise AssertionError("the webhook listener never came up")


async def _all_sent(database_url: str) -> bool:
    """Read the service's database beside it."""
    [(unsent, total)] = await stored_rows(
        database_url, "SELECT count(*) FILTER (WHERE sent_at IS NULL), count(*) FROM outbox"
    )
    return bool(total > 0 and unsent == 0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_rejected_token_stops_start_up_with_a_clear_message(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """When the Bot API refuses the token, `run` exits 1, says so, and does not print it."""
    env = service_env(api, tmp_path, TELEGRAM_BOT_TOKEN="999:WRONG-token")
    process = BotProcess(env, tmp_path / "service.log")
    assert await process.wait(within=START_UP) == 1
    log = process.log()
    assert "rejected TELEGRAM_BOT_TOKEN" in log
    assert "WRONG-token" not in log


@pytest.mark.sqlite_only  # a SQLite file's folder (test_postgres: an unreachable server)
async def test_a_missing_database_folder_stops_start_up_with_a_clear_message(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """DATABASE_URL in a folder that does not exist: `run` exits 1 naming the folder."""
    missing = tmp_path / "no-such-folder" / "bot.db"
    env = service_env(api, tmp_path, DATABASE_URL=f"sqlite:///{missing}")
    process = BotProcess(env, tmp_path / "service.log")
    assert await process.wait(within=START_UP) == 1
    assert "no-such-folder" in process.log()
    assert "Traceback" not in process.log()


async def test_sighup_reloads_the_knowledge_and_a_broken_edit_keeps_the_old(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """SIGHUP to `python -m bot run`: a broken KB_DIR edit is reported to the staff group with
    its file and line while the old answers keep coming; once fixed, another SIGHUP loads it
    and posts the summary. The process keeps running and stops cleanly."""
    kb_dir = tmp_path / "knowledge"
    shutil.copytree(bundled_dir("knowledge"), kb_dir)
    process = BotProcess(
        service_env(api, tmp_path, KB_DIR=str(kb_dir), LOG_LEVEL="DEBUG"),
        tmp_path / "service.log",
    )
    await started(api, process)
    about = kb_dir / "about.yaml"
    good = about.read_text(encoding="utf-8")
    about.write_text(good + "\n  - id: half-an-entry\n    title: 没写完\n", encoding="utf-8")

    process.process.send_signal(signal.SIGHUP)
    [failure] = await api.wait_for(
        lambda: api.texts(STAFF_CHAT_ID), within=60, what="the reload failure report"
    )
    assert "仍在使用原来的知识库" in failure
    assert re.search(r"knowledge/about\.yaml:\d+", failure), failure
    api.push(make_text_update(RESIDENT, COVERED))
    await api.wait_for(lambda: api.sent(RESIDENT), within=30, what="the old answer")
    assert "40栋亿元级税收楼宇" in api.texts(RESIDENT)[0]

    about.write_text(good, encoding="utf-8")
    process.process.send_signal(signal.SIGHUP)
    await api.wait_for(
        lambda: len(api.texts(STAFF_CHAT_ID)) > 1, within=60, what="the reload summary"
    )
    assert "knowledge reloaded" in api.texts(STAFF_CHAT_ID)[1]
    assert await process.stop() == 0
    log = process.log()
    assert "knowledge reload failed" in log
    assert "knowledge reloaded" in log
    assert "Traceback" not in log
    assert_token_never_logged(process)


async def test_the_token_is_never_logged_when_the_bot_api_fails(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """At LOG_LEVEL=DEBUG, through a 500, a dropped connection and the Bot API going away
    altogether (then coming back), the log has the failures but never the token; the answers
    still arrive."""
    process = BotProcess(service_env(api, tmp_path, LOG_LEVEL="DEBUG"), tmp_path / "service.log")
    await started(api, process)
    api.fail_next("sendMessage", times=1, status=500)
    api.push(make_text_update(RESIDENT, COVERED))
    await api.wait_for(lambda: api.sent(RESIDENT), within=30, what="the answer after a 500")
    api.fail_next("sendMessage", times=1, status=0)
    api.push(make_text_update(SECOND_RESIDENT, COVERED))
    await api.wait_for(lambda: api.sent(SECOND_RESIDENT), within=30, what="the answer after a drop")

    await api.stop()  # the Bot API is unreachable: polling fails with network errors
    for _ in range(100):
        if "NetworkError" in process.log():
            break
        await asyncio.sleep(0.1)
    await api.start()
    api.push(make_command_update(RESIDENT, "/help"))
    await api.wait_for(
        lambda: len(api.sent(RESIDENT)) > 1, within=60, what="an answer after the outage"
    )
    assert await process.stop() == 0

    log = process.log()
    assert "Internal Server Error" in log
    assert "NetworkError" in log
    assert "DEBUG" in log
    assert_token_never_logged(process)
