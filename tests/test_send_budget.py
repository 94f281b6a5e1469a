"""The send rate across replicas: TELEGRAM_MAX_RATE is the bot's, however many processes send.

Three replicas on one PostgreSQL database drain a burst of answers together and the fake
Telegram, which records when each request arrived, sees the configured total, not three times
it; one process alone sends at the whole rate; slots taken by several connections at once are
each one interval apart.

The bound over any window of W seconds is R·(W + BURST) + 1 messages: the budget lets one
second's worth (BURST) go at once, as python-telegram-bot's own limiter does, and then one
message every 1/R seconds. Two more are allowed for the clocks: the fake stamps a request when
it has read it, a few milliseconds after the sender's slot, and that delay varies.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import Settings
from bot.store.backend import make_store
from bot.transport.budget import BURST, GROUP_PERIOD, GROUP_RATE
from tests.factories import STAFF_CHAT_ID, make_text_update
from tests.fake_bot_api import FakeBotApi
from tests.telegram_harness import (
    BotProcess,
    running_service,
    service_env,
    service_settings,
    shared_knowledge,
)

pytestmark = pytest.mark.serial  # timings and kills: run one at a time (Makefile)

RATE = 8.0  # messages a second for the whole bot in these tests
CLOCKS = 2  # messages of slack for the fake's time stamps (see the module docstring)
SECRET = "budget-Secret_1"
START_UP = 60.0
FIRST_USER = 52_000_001


def covered_questions(count: int) -> list[str]:
    """Questions the knowledge answers at once (one reply each, no ticket, no staff post)."""
    matcher = shared_knowledge()
    found = sorted(
        {
            q
            for e in matcher.kb.entries
            for q in e.questions
            if not q.startswith("/") and matcher.decide(q).outcome == "answer"
        }
    )
    assert len(found) >= 10
    return [found[i % len(found)] for i in range(count)]


def send_times(api: FakeBotApi, users: set[int]) -> list[float]:
    """When each request to one of `users`' chats reached the fake (what the budget counts)."""
    return sorted(
        c.at for c in api.calls if not c.failed and int(c.params.get("chat_id") or 0) in users
    )


def busiest_window(times: list[float], width: float) -> int:
    """The most requests in any window of `width` seconds."""
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= width:
            start += 1
        most = max(most, end - start + 1)
    return most


def check_rate(times: list[float], rate: float) -> None:
    """Within the budget over every window, and at the whole of it over the drain."""
    for width in (1.0, 3.0, 5.0):
        assert busiest_window(times, width) <= rate * (width + BURST) + 1 + CLOCKS, width
    steady = times[int(rate * BURST) + 1 :]  # after the burst the budget lets go at once
    measured = (len(steady) - 1) / (steady[-1] - steady[0])
    print(
        f"\n{len(times)} requests at {measured:.2f}/s after the first burst (budget {rate:g}/s);"
        f" busiest 1 s / 3 s / 5 s: {[busiest_window(times, w) for w in (1.0, 3.0, 5.0)]}"
    )
    assert measured <= rate * 1.1
    assert measured >= rate * 0.75, f"{measured:.1f}/s: the budget is not used in full"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def post(session: aiohttp.ClientSession, port: int, update: dict[str, Any]) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with session.post(
        f"http://127.0.0.1:{port}/hook", data=json.dumps(update), headers=headers
    ) as response:
        assert response.status == 200


@pytest.mark.slow
async def test_three_replicas_together_send_at_the_configured_total(
    api: FakeBotApi, tmp_path: Path, postgres_url: str
) -> None:
    """A burst of answers POSTed to three replicas in turn: every one is sent, and the
    aggregate rate stays within TELEGRAM_MAX_RATE (not three times it) yet uses it in full."""
    texts = covered_questions(72)
    users = [FIRST_USER + i for i in range(len(texts))]
    ports = [_free_port() for _ in range(3)]
    replicas = [
        BotProcess(
            service_env(
                api,
                tmp_path,
                DATABASE_URL=postgres_url,
                REPLICA_NAME=f"replica-{n}",
                WEBHOOK_URL="https://bot.example.org/hook",
                WEBHOOK_SECRET=SECRET,
                WEBHOOK_PORT=str(port),
                TELEGRAM_MAX_RATE=str(RATE),
            ),
            tmp_path / f"replica-{n}.log",
        )
        for n, port in enumerate(ports)
    ]
    try:
        await api.wait_for(
            lambda: len(api.of("setWebhook")) >= len(replicas), within=START_UP, what="replicas"
        )
        async with aiohttp.ClientSession() as session:
            await asyncio.gather(
                *(
                    post(session, ports[i % 3], {"update_id": i + 1, **make_text_update(u, t)})
                    for i, (u, t) in enumerate(zip(users, texts, strict=True))
                )
            )
        await api.wait_for(
            lambda: all(api.sent(u) for u in users), within=60, what="every answer sent"
        )
        codes = await asyncio.gather(*(r.stop(within=60) for r in replicas))
        assert codes == [0, 0, 0]
    finally:
        for replica in replicas:
            if replica.process.poll() is None:
                replica.kill()
    times = send_times(api, set(users))
    assert len(times) >= len(users)
    check_rate(times, RATE)
    senders = [r for r in replicas if "Traceback" in r.log()]
    assert not senders, senders[0].log()[-3000:]


@pytest.mark.slow
async def test_one_process_alone_sends_at_the_whole_rate(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    """One process (the budget in memory on SQLite, in the database on PostgreSQL) sends a
    burst of answers at TELEGRAM_MAX_RATE, neither faster nor slower."""
    texts = covered_questions(40)
    users = [FIRST_USER + i for i in range(len(texts))]
    settings = service_settings(
        api, tmp_path, DATABASE_URL=database_url, TELEGRAM_MAX_RATE=str(RATE)
    )
    async with running_service(settings):
        for user, text in zip(users, texts, strict=True):
            api.push(make_text_update(user, text))
        await api.wait_for(
            lambda: all(api.sent(u) for u in users), within=60, what="every answer sent"
        )
    check_rate(send_times(api, set(users)), RATE)


@pytest.mark.slow
async def test_the_staff_group_gets_twenty_at_once_then_one_every_three_seconds(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    """Telegram's group limit (20 a minute), kept whatever TELEGRAM_MAX_RATE says: of 23 new
    tickets' staff posts, the first 20 go at once and the rest one every 3 seconds."""
    matcher = shared_knowledge()
    texts = [f"我住较场口{n}号，我的社保卡丢了怎么补办？" for n in range(1, 24)]
    assert all(matcher.decide(t).outcome == "ticket" for t in texts)
    settings = service_settings(api, tmp_path, DATABASE_URL=database_url, TELEGRAM_MAX_RATE="0")
    async with running_service(settings):
        for n, text in enumerate(texts):
            api.push(make_text_update(FIRST_USER + n, text))
        await api.wait_for(
            lambda: len(api.sent(STAFF_CHAT_ID)) >= len(texts), within=30, what="23 staff posts"
        )
    times = [c.at for c in api.sent(STAFF_CHAT_ID)]
    first = times[0]
    assert times[19] - first < 2.0  # the group's burst
    for n, extra in enumerate(times[20:23], start=1):
        assert extra - first >= n * GROUP_PERIOD / GROUP_RATE - 0.2, (n, extra - first)
    assert times[22] - times[20] >= 2 * GROUP_PERIOD / GROUP_RATE - 0.2


async def test_slots_taken_at_once_by_several_connections_are_one_interval_apart(
    database_url: str,
) -> None:
    """Three connections (three replicas' stores) take 30 slots of one budget at the same
    moment: each slot is a different one, one interval after the other, from that moment on;
    another budget (a group's) is apart from it."""
    stores = [make_store(Settings(database_url=database_url)) for _ in range(3)]
    for store in stores:
        await store.open()
    try:
        now, interval = 1_800_000_000.0, 0.125
        slots = await asyncio.gather(
            *(stores[i % 3].take_send_slot("bot", now, interval) for i in range(30))
        )
        assert sorted(slots) == pytest.approx([now + k * interval for k in range(30)])
        assert await stores[0].take_send_slot("group:-100", now, 3.0) == now
        later = now + 60  # the budget has room again: the slot is the moment asked
        assert await stores[1].take_send_slot("bot", later, interval) == later
    finally:
        for store in stores:
            await store.close()
