"""The inbox (bot/inbox.py) on a real SQLite file, and the durable intake over the fake Bot API:
stored before confirmed, claimed with a lease, one chat's updates in order, an unreadable
update skipped once."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from datetime import timedelta
from pathlib import Path
from random import Random

import pytest

from bot.config import Settings
from bot.store.backend import Store, make_store
from bot.store.database import utcnow
from bot.store.inbox import MAX_ATTEMPTS, Accepted
from tests.factories import make_command_update, make_text_update
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.telegram_harness import running_service, service_settings

pytestmark = pytest.mark.serial  # timings and kills: run one at a time (Makefile)

LEASE = timedelta(seconds=60)
COVERED = "渝中区有多少栋建成楼宇"
RESIDENT = 8101


def accepted(update_id: int, chat: int) -> Accepted:
    return Accepted(update_id, f"chat:{chat}", f'{{"update_id": {update_id}}}')


async def test_an_update_stored_twice_is_kept_once(store: Store) -> None:
    """Telegram re-sending an update (same id) adds nothing."""
    now = utcnow()
    assert await store.accept_updates("telegram", [accepted(1, 5), accepted(2, 6)], now) == 2
    assert await store.accept_updates("telegram", [accepted(2, 6), accepted(3, 6)], now) == 1
    assert await store.inbox_counts("telegram") == {"pending": 3}


async def test_claims_are_oldest_first_and_skip_a_chat_another_owner_holds(
    store: Store,
) -> None:
    """A replica claims the oldest updates; a chat whose earlier update another replica holds
    under a live lease is left alone, so one chat's updates keep their order."""
    now = utcnow()
    await store.accept_updates("telegram", [accepted(1, 5), accepted(2, 5), accepted(3, 6)], now)
    [first] = await store.claim_updates("telegram", "a", 1, now, LEASE)
    assert (first.update_id, first.attempts) == (1, 1)
    others = await store.claim_updates("telegram", "b", 10, now, LEASE)
    assert [i.update_id for i in others] == [3]


async def test_an_expired_lease_lets_another_owner_take_the_update(
    store: Store,
) -> None:
    """When the owner died (its lease ran out), another replica claims its update again."""
    now = utcnow()
    await store.accept_updates("telegram", [accepted(1, 5)], now)
    await store.claim_updates("telegram", "a", 10, now, LEASE)
    assert await store.claim_updates("telegram", "b", 10, now + LEASE / 2, LEASE) == []
    [again] = await store.claim_updates("telegram", "b", 10, now + LEASE * 2, LEASE)
    assert (again.update_id, again.attempts) == (1, 2)


async def test_released_claims_come_back_and_done_updates_do_not(
    store: Store,
) -> None:
    """A restart under the same owner gives back what the dead process held; a finished
    update is never claimed again; handled ones are forgotten after the retention."""
    now = utcnow()
    await store.accept_updates("telegram", [accepted(1, 5), accepted(2, 6)], now)
    await store.claim_updates("telegram", "a", 10, now, LEASE)
    await store.finish_update("telegram", 1, now)
    assert await store.release_claims("a") == 1
    assert [i.update_id for i in await store.claim_updates("telegram", "a", 10, now, LEASE)] == [2]
    await store.finish_update("telegram", 2, now)
    await store.forget_handled(now + timedelta(seconds=1))
    assert await store.inbox_counts("telegram") == {}


async def test_an_update_claimed_too_often_is_marked_failed(store: Store) -> None:
    """An update whose handling kills the process every time is given up after MAX_ATTEMPTS."""
    now = utcnow()
    await store.accept_updates("telegram", [accepted(1, 5)], now)
    for _ in range(MAX_ATTEMPTS):
        assert await store.claim_updates("telegram", "a", 10, now, LEASE)
        await store.release_claims("a")
    assert await store.claim_updates("telegram", "a", 10, now, LEASE) == []
    assert await store.inbox_counts("telegram") == {"failed": 1}


@pytest.mark.slow
@pytest.mark.usefixtures("service_backend")
async def test_an_update_the_library_cannot_read_is_logged_once_and_skipped(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A poll without the fields python-telegram-bot requires: logged once (no token, no
    content), marked failed and confirmed, while the messages around it are answered."""
    settings = service_settings(api, tmp_path)
    async with running_service(settings) as rt:
        api.push(make_text_update(RESIDENT, COVERED))
        broken = api.push({"poll": {"id": "p1", "question": "?"}})
        api.push(make_text_update(RESIDENT + 1, COVERED))
        await api.wait_for(lambda: api.sent(RESIDENT) and api.sent(RESIDENT + 1), within=20)
        await api.wait_for(lambda: broken["update_id"] in api.confirmed, within=20)

        async def failed() -> bool:
            return (await rt.store.inbox_counts("telegram")).get("failed") == 1

        await api.wait_for(failed, within=20, what="the poll marked failed")
    skipped = [r for r in caplog.records if "could not be read" in r.getMessage()]
    assert len(skipped) == 1
    assert skipped[0].levelno == logging.ERROR
    # (the fake server's own access log, in this process, does show the token in its URLs)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))
    assert TOKEN.split(":", 1)[1] not in ours
    assert '"poll"' not in skipped[0].getMessage()  # the update's content is not logged
    assert not [u for u in api.pending() if u["update_id"] == broken["update_id"]]


@pytest.mark.usefixtures("service_backend")
@pytest.mark.slow
async def test_one_chats_updates_are_handled_in_order_while_others_run(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Fetched in one page, a resident's /lang en and the Chinese question after it are handled
    in that order (the answer is in English) while 50 other residents are handled too."""
    others = range(8200, 8250)
    async with running_service(service_settings(api, tmp_path, CONCURRENT_CHATS="8")):
        for user in others:
            api.push(make_text_update(user, COVERED))
        api.push(make_command_update(RESIDENT, "/lang en"))
        api.push(make_text_update(RESIDENT, COVERED))
        await api.wait_for(lambda: len(api.sent(RESIDENT)) >= 2, within=30)
        await api.wait_for(lambda: all(api.sent(u) for u in others), within=30)
    switched, answer = api.texts(RESIDENT)
    assert "English" in switched
    assert answer.startswith("According to the report")  # not the Chinese answer


async def test_forgetting_a_resident_deletes_the_updates_they_sent(
    store: Store,
) -> None:
    """`tickets forget --user ID` also removes that resident's raw updates from the inbox."""
    now = utcnow()
    theirs = [
        Accepted(1, "chat:8101", json.dumps(make_text_update(8101, "我的电话13812345678"))),
        Accepted(2, "chat:8101", json.dumps(make_command_update(8101, "/start"))),
    ]
    other = Accepted(3, "chat:8102", json.dumps(make_text_update(8102, COVERED)))
    await store.accept_updates("telegram", [*theirs, other], now)
    erasure = await store.forget_resident(8101, "cli", now)
    assert erasure.counts["inbox"] == 2
    assert [i.update_id for i in await store.claim_updates("telegram", "a", 10, now, LEASE)] == [3]


async def test_replicas_claiming_at_once_never_share_a_chat_and_keep_its_order(
    database_url: str,
) -> None:
    """Three stores (three replicas' connections) claim and handle one inbox at the same time:
    every update is handled once, each chat's in the order received, and a chat is never held
    by two replicas at once."""
    chats, per_chat = 24, 5
    settings = Settings(database_url=database_url)
    replicas = [make_store(settings) for _ in range(3)]
    for replica in replicas:
        await replica.open()
    updates = [
        Accepted(chat * 100 + n, f"chat:{chat}", "{}")
        for chat in range(chats)
        for n in range(per_chat)
    ]
    await replicas[0].accept_updates("telegram", updates, utcnow())
    handled: dict[str, list[int]] = {}
    holder: dict[str, str] = {}
    overlaps: list[str] = []

    async def replica(store: Store, owner: str) -> None:
        random = Random(owner)
        idle = 0
        while idle < 5:
            claimed = await store.claim_updates(
                "telegram", owner, 4, utcnow(), timedelta(minutes=1)
            )
            idle = 0 if claimed else idle + 1
            for item in claimed:
                if holder.setdefault(item.chat_key, owner) != owner:
                    overlaps.append(f"{item.chat_key}: {holder[item.chat_key]} and {owner}")
            left = Counter(item.chat_key for item in claimed)
            for item in claimed:
                await asyncio.sleep(random.uniform(0, 0.003))  # handling it
                handled.setdefault(item.chat_key, []).append(item.update_id)
                left[item.chat_key] -= 1
                if not left[item.chat_key] and holder.get(item.chat_key) == owner:
                    # Let go in the test's record just before the database does: after the
                    # commit another replica may take the chat before this task runs again.
                    del holder[item.chat_key]
                await store.finish_update("telegram", item.update_id, utcnow())
            await asyncio.sleep(0)

    try:
        await asyncio.gather(*(replica(s, f"replica-{n}") for n, s in enumerate(replicas)))
    finally:
        for store in replicas:
            await store.close()
    assert overlaps == []
    assert sum(len(ids) for ids in handled.values()) == len(updates)
    for chat in range(chats):
        assert handled[f"chat:{chat}"] == [chat * 100 + n for n in range(per_chat)], chat


@pytest.mark.usefixtures("service_backend")
async def test_a_second_poller_on_the_token_is_named_in_the_log(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram answering getUpdates with 409 Conflict (another process polls with the token)
    is logged as that, with what to do; polling goes on and the next message is answered."""
    api.fail_next("getUpdates", times=1, status=409)
    async with running_service(service_settings(api, tmp_path)):
        await api.wait_for(lambda: len(api.of("getUpdates")) >= 2, what="polling again")
        api.push(make_text_update(4242, "你好"))
        await api.wait_for(lambda: api.sent(4242), what="the reply")
    [record] = [r for r in caplog.records if "409 Conflict" in r.getMessage()]
    assert record.levelname == "ERROR"
    assert "polling mode runs as one process only" in record.getMessage()
