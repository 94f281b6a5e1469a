"""Three replicas of `python -m bot run` in webhook mode on one PostgreSQL database, as behind a
load balancer: the fake Telegram sends each update to a replica in turn (some twice, to two
replicas), one replica is killed with SIGKILL mid-run and started again under its name. Every
message is answered exactly once (a repeat only in the outbox's own window at the kill), in
order per chat; one ticket per uncovered message; one staff post per ticket."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import Settings
from bot.store.backend import make_store
from tests.factories import STAFF_CHAT_ID, STAFF_USER_ID, make_command_update, make_text_update
from tests.fake_bot_api import FakeBotApi
from tests.telegram_harness import BotProcess, service_env, shared_knowledge

pytestmark = [pytest.mark.serial, pytest.mark.slow]

REPLICAS = 3
START_UP = 60.0
SECRET = "replica-Secret_1"
QUEUED = 1.0  # seconds a send of the killed process may wait in the fake server's socket
FAST = {"TELEGRAM_MAX_RATE": "0", "MAX_OPEN_TICKETS": "100", "MAX_TICKETS_PER_HOUR": "100"}
TOPICS = ("我的社保卡丢了怎么补办", "公积金怎么提取出来付房租", "孩子刚出生怎么上户口")
FIRST_USER = 40_000_001


def script(residents: int, messages: int) -> dict[int, list[str]]:
    """Each resident's messages, every one uncovered and distinct (each becomes a ticket whose
    number the reply names, so the order of the replies can be checked)."""
    matcher = shared_knowledge()
    plan: dict[int, list[str]] = {}
    for r in range(residents):
        texts = []
        for m in range(messages):
            text = f"我住较场口{r + 1}号{m + 1}单元，{TOPICS[(r + m) % len(TOPICS)]}？"
            assert matcher.decide(text).outcome == "ticket", text
            texts.append(text)
        plan[FIRST_USER + r] = texts
    return plan


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def post(session: aiohttp.ClientSession, port: int, update: dict[str, Any]) -> bool:
    """POST one update to one replica's webhook, as Telegram does; True when answered 200."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    url = f"http://127.0.0.1:{port}/hook"
    try:
        async with session.post(url, data=json.dumps(update), headers=headers) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def deliver(
    ports: list[int], update: dict[str, Any], turn: int, session: aiohttp.ClientSession
) -> None:
    """Send to the replica whose turn it is; one that does not answer 200 (killed) is skipped
    for the next, as a load balancer does, until one takes it. Every seventh update is also
    sent to a second replica, as Telegram re-sends an update it had no answer for in time."""
    for attempt in range(int(START_UP * 10)):
        if await post(session, ports[(turn + attempt) % len(ports)], update):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(f"no replica took update {update['update_id']}")
    if update["update_id"] % 7 == 0:
        await post(session, ports[(turn + 1) % len(ports)], update)


async def test_three_replicas_one_killed_answer_every_message_once_in_order(
    api: FakeBotApi, tmp_path: Path, postgres_url: str
) -> None:
    plan = script(40, 3)
    ports = [_free_port() for _ in range(REPLICAS)]

    def start(n: int, round_: int = 0) -> BotProcess:
        env = service_env(
            api,
            tmp_path,
            DATABASE_URL=postgres_url,
            REPLICA_NAME=f"replica-{n}",
            WEBHOOK_URL="https://bot.example.org/hook",
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_PORT=str(ports[n]),
            **FAST,
        )
        return BotProcess(env, tmp_path / f"replica-{n}-{round_}.log")

    replicas = [start(n) for n in range(REPLICAS)]
    kills: list[float] = []
    try:
        await api.wait_for(
            lambda: len(api.of("setWebhook")) >= REPLICAS, within=START_UP, what="every replica"
        )
        updates = [
            [
                {"update_id": 1 + m * len(plan) + i, **make_text_update(user, texts[m])}
                for i, (user, texts) in enumerate(plan.items())
            ]
            for m in range(3)
        ]
        async with aiohttp.ClientSession() as session:
            for m, round_updates in enumerate(updates):
                # A round is sent at once; the next one after it is stored (taken with a 200).
                await asyncio.gather(
                    *(deliver(ports, u, i + m, session) for i, u in enumerate(round_updates))
                )
                if m == 0:
                    answered = sum(len(api.sent(user)) for user in plan)
                    replicas[1].kill()
                    kills.append(time.monotonic())
                    assert answered < len(plan) * 3
                if m == 1:
                    replicas[1] = start(1, round_=1)
            await api.wait_for(
                lambda: all(len(api.sent(u)) >= len(texts) for u, texts in plan.items()),
                within=90,
                what="every message answered",
            )
            # Staff reload the knowledge on one replica: every replica reloads its own copy.
            # (The restarted one first finishes starting: one that starts later loads the
            # files as they are then anyway.)
            await api.wait_for(
                lambda: len(api.of("setWebhook")) > REPLICAS, within=START_UP, what="the restart"
            )
            reload = make_command_update(STAFF_USER_ID, "/reload", chat_id=STAFF_CHAT_ID)
            await deliver(ports, {"update_id": 999_999, **reload}, 0, session)
            await api.wait_for(
                lambda: all(r.log().count("knowledge reloaded") for r in replicas),
                within=60,
                what="every replica to reload",
            )
        await asyncio.sleep(1.0)  # time for a reply sent twice to show
        # One SIGTERM each: a clean stop (staff posts, 20 a minute, stay queued after 10 s).
        codes = await asyncio.gather(*(replica.stop(within=60) for replica in replicas))
        assert codes == [0] * REPLICAS
    finally:
        for replica in replicas:
            if replica.process.poll() is None:
                replica.kill()
    for replica in replicas:
        assert "Traceback" not in replica.log(), replica.log()[-3000:]

    tickets, queued_posts, reload_reports = await read_database(postgres_url)
    assert Counter(tickets.values()) == Counter(t for texts in plan.values() for t in texts)

    repeats = 0
    for user, texts in plan.items():
        first_sent: dict[str, float] = {}
        order: list[int] = []
        for call in api.sent(user):
            key = json.dumps([call.params.get("text"), call.params.get("reply_markup")])
            if key in first_sent:
                assert any(first_sent[key] <= k + QUEUED <= call.at + QUEUED for k in kills), key
                repeats += 1
                continue
            first_sent[key] = call.at
            number = int(re.search(r"#(\d+)", str(call.params.get("text")))[1])  # type: ignore[index]
            order.append(texts.index(tickets[number]))
        assert order == list(range(len(texts))), (user, order)

    posts = [
        int(re.match(r"#(\d+) · ", str(c.params.get("text")))[1])  # type: ignore[index]
        for c in api.sent(STAFF_CHAT_ID)
        if re.match(r"#(\d+) · ", str(c.params.get("text")))
    ]
    post_repeats = len(posts) - len(set(posts))
    assert reload_reports == 1  # reported once (sent or queued), by the replica staff asked
    assert sorted(set(posts) | set(queued_posts)) == sorted(tickets)
    assert not set(posts) & set(queued_posts)
    print(
        f"\n{sum(len(t) for t in plan.values())} messages through {REPLICAS} replicas, one"
        f" killed: {repeats} replies and {post_repeats} staff posts repeated across the kill"
    )
    assert post_repeats <= 1


async def read_database(url: str) -> tuple[dict[int, str], list[int], int]:
    """The tickets (number → text), the tickets whose staff post is still queued, and the
    reports of a knowledge reload in the outbox."""
    store = make_store(Settings(database_url=url))
    await store.open()
    try:
        rows = await store.rows("SELECT number, text FROM tickets")
        queued = await store.rows(
            "SELECT ticket_number FROM outbox WHERE kind = 'staff_post' AND sent_at IS NULL"
        )
        reports = await store.row(
            "SELECT COUNT(*) FROM outbox WHERE text LIKE '%knowledge reloaded%'"
        )
    finally:
        await store.close()
    tickets = {int(r["number"]): str(r["text"]) for r in rows}
    return tickets, [int(r[0]) for r in queued], int(reports[0]) if reports else 0
