"""Exactly-once sends when the database cannot record them: a staff post that went out while
the database is read-only, full or locked is sent once, remembered, and recorded (with its
Telegram message id, so staff replies to it still reach the resident) once the database takes
writes again. Real parts: the fake Bot API over HTTP, a real SQLite file, faults at the storage
edge (tests/store_faults.py). On PostgreSQL (its outbox is claimed, shared by replicas) the
staff post goes through a lock and a read-only database; the full disk is SQLite's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot

from bot.config import is_postgres_url, parse_database_url
from bot.messages import Choice
from bot.store.backend import Store
from bot.store.model import NewTicket
from bot.store.postgres import PostgresTicketStore
from bot.store.sqlite import SQLiteTicketStore
from bot.transport.delivery import Dispatcher, utcnow
from tests.factories import STAFF_CHAT_ID, make_text_update
from tests.fake_bot_api import TOKEN, FakeBotApi
from tests.store_faults import FAULTS, Fault, PostgresLock, PostgresReadOnly
from tests.telegram_harness import running_service, service_settings

pytestmark = pytest.mark.serial  # timings and kills: run one at a time (Makefile)

RESIDENT = 1001


@pytest.fixture
async def quick_store(database_url: str) -> AsyncIterator[Store]:
    """A store that gives up on a held lock quickly (SQLite 50 ms, PostgreSQL 200 ms; the
    service waits 5 s)."""
    store: Store
    if is_postgres_url(database_url):
        store = PostgresTicketStore(database_url, lock_timeout_ms=200)
    else:
        store = SQLiteTicketStore(parse_database_url(database_url), busy_timeout_ms=50)
    await store.open()
    yield store
    await store.close()


def make_fault(
    kind: str, store: Store, database_url: str
) -> Fault | PostgresLock | PostgresReadOnly:
    if isinstance(store, PostgresTicketStore):
        if kind == "locked":
            return PostgresLock(database_url)
        assert kind == "read_only", kind
        return PostgresReadOnly(database_url, store)
    return Fault(kind, store)


# Every fault on SQLite; on PostgreSQL the lock and a read-only database (a full disk is made
# by failing SQLite's own connection, tests/store_faults.py).
FAULT_CASES = [
    *(("sqlite", kind) for kind in FAULTS),
    ("postgres", "locked"),
    ("postgres", "read_only"),
]


async def queue_staff_post(store: Store) -> int:
    new = NewTicket(RESIDENT, RESIDENT, "telegram", "unanswered", "我家楼下的路灯坏了找谁")
    ticket, _ = await store.create_ticket(new, utcnow())
    n = ticket.number
    outbox_id = await store.enqueue(
        STAFF_CHAT_ID,
        f"#{n} · 未答问题 · 我家楼下的路灯坏了找谁",
        choices=((Choice("认领", f"claim:{n}"),),),
        kind="staff_post",
        ticket_number=n,
        dedupe_key=f"staff_post:{n}",
    )
    assert outbox_id is not None
    return n


@pytest.mark.parametrize(("backend", "kind"), FAULT_CASES, indirect=["backend"])
async def test_a_staff_post_the_database_cannot_record_is_sent_once(
    api: FakeBotApi, quick_store: Store, database_url: str, kind: str
) -> None:
    """While the database refuses the "sent" record, the dispatcher keeps trying to record it
    with a growing backoff but never sends the post again; writable again, the record lands
    with Telegram's message id and still nothing is sent twice."""
    store = quick_store
    number = await queue_staff_post(store)
    fault = make_fault(kind, store, database_url)
    api.hold(STAFF_CHAT_ID)  # the post is in flight when the fault begins
    async with Bot(TOKEN, base_url=api.base_url) as bot:
        dispatcher = Dispatcher(bot, store, backoff_base=0.05)
        dispatcher.start()
        try:
            await api.wait_for(lambda: api.held_sends(STAFF_CHAT_ID), what="the send in flight")
            await fault.on()
            api.release(STAFF_CHAT_ID)
            await api.wait_for(lambda: dispatcher.unrecorded == 1, what="a failed record")
            for _ in range(8):  # well past several backoff rounds (0.05, 0.1, 0.2, 0.4 s …)
                dispatcher.wake()
                await asyncio.sleep(0.15)
            assert len(api.sent(STAFF_CHAT_ID)) == 1
            assert dispatcher.unrecorded == 1
            await fault.off()
            dispatcher.wake()
            await api.wait_for(lambda: dispatcher.unrecorded == 0, what="the late record")
        finally:
            await dispatcher.stop()
    [call] = api.sent(STAFF_CHAT_ID)
    assert await store.due_messages(utcnow()) == []
    assert await store.ticket_for_staff_message(STAFF_CHAT_ID, call.result["message_id"]) == number


async def test_record_attempts_back_off(
    api: FakeBotApi, quick_store: Store, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Each failed record is counted and the wait doubles: a read-only database for ~1.5 s at a
    0.1 s base is tried about five times (0.1 + 0.2 + 0.4 + 0.8), not every pass."""
    store = quick_store
    await queue_staff_post(store)
    fault = make_fault("read_only", store, database_url)
    api.hold(STAFF_CHAT_ID)
    async with Bot(TOKEN, base_url=api.base_url) as bot:
        dispatcher = Dispatcher(bot, store, backoff_base=0.1)
        dispatcher.start()
        try:
            await api.wait_for(lambda: api.held_sends(STAFF_CHAT_ID), what="the send in flight")
            await fault.on()
            api.release(STAFF_CHAT_ID)
            for _ in range(30):
                dispatcher.wake()
                await asyncio.sleep(0.05)
            await fault.off()
        finally:
            await dispatcher.stop()
    attempts = [r for r in caplog.records if "cannot record outbox results" in r.getMessage()]
    assert 3 <= len(attempts) <= 6
    assert len(api.sent(STAFF_CHAT_ID)) == 1
    assert await store.due_messages(utcnow()) == []  # recorded at the latest when stopping


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "kind"),
    [("sqlite", "read_only"), ("sqlite", "disk_full"), ("postgres", "read_only")],
    indirect=["backend"],
)
@pytest.mark.usefixtures("service_backend")
async def test_the_service_sends_a_staff_post_once_through_a_database_fault(
    api: FakeBotApi, tmp_path: Path, database_url: str, kind: str
) -> None:
    """The real Application: a resident's uncovered question files a ticket; the database
    fails while its staff post is in flight; the group gets the post once, and after the
    fault a staff reply to that post still reaches the resident (the record caught up)."""
    async with running_service(service_settings(api, tmp_path)) as rt:
        api.hold(STAFF_CHAT_ID)
        api.push(make_text_update(RESIDENT, "火星上明天的天气预报是什么"))
        await api.wait_for(lambda: api.texts(RESIDENT), what="the resident's ticket notice")
        await api.wait_for(lambda: api.held_sends(STAFF_CHAT_ID), what="the staff post in flight")

        async def notice_recorded() -> bool:  # only the staff post is left to record
            rows = await rt.store.rows(
                "SELECT id FROM outbox WHERE chat_id = ? AND sent_at IS NULL", (RESIDENT,)
            )
            return not rows

        await api.wait_for(notice_recorded, what="the notice recorded")
        fault = make_fault(kind, rt.store, database_url)
        await fault.on()
        api.release(STAFF_CHAT_ID)
        await api.wait_for(lambda: rt.dispatcher.unrecorded == 1, what="a failed record")
        await asyncio.sleep(2.5)  # the service's backoff: tries at +1 s and +2 s
        assert len(api.sent(STAFF_CHAT_ID)) == 1
        await fault.off()
        await api.wait_for(lambda: rt.dispatcher.unrecorded == 0, within=10, what="the record")
        [post] = api.sent(STAFF_CHAT_ID)
        assert (
            await rt.store.ticket_for_staff_message(STAFF_CHAT_ID, post.result["message_id"]) == 1
        )
    assert len(api.sent(STAFF_CHAT_ID)) == 1


# SQLite only: on PostgreSQL a message is claimed (a write) before it is sent, so a read-only
# database sends nothing and this case cannot arise.
@pytest.mark.sqlite_only
async def test_a_failed_send_the_database_cannot_record_is_retried_and_sent_once(
    api: FakeBotApi, quick_store: Store, database_url: str
) -> None:
    """Telegram refuses (a 500) while the database is read-only, so not even the failure can
    be recorded: the message was not delivered, so it is sent again once the store is back,
    and exactly once."""
    store = quick_store
    await store.enqueue(RESIDENT, "您的工单 #1 已办结。", kind="to_resident")
    fault = make_fault("read_only", store, database_url)
    await fault.on()
    api.fail_next("sendMessage", times=1, status=500)
    async with Bot(TOKEN, base_url=api.base_url) as bot:
        dispatcher = Dispatcher(bot, store, backoff_base=0.05)
        dispatcher.start()
        try:
            await api.wait_for(lambda: api.of("sendMessage"), what="the failed send")
            await asyncio.sleep(0.5)
            assert len(api.of("sendMessage")) == 1  # waiting for the store, not resending
            await fault.off()
            dispatcher.wake()
            await api.wait_for(lambda: api.sent(RESIDENT), what="the send after the fault")
            await asyncio.sleep(0.3)
        finally:
            await dispatcher.stop()
    assert api.texts(RESIDENT) == ["您的工单 #1 已办结。"]
    assert await store.due_messages(utcnow()) == []
