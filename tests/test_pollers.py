"""Polling mode is one process per bot: a second `python -m bot run` on the same database refuses
to start (exit status 3, a message naming the holder and what to do), a poller killed outright
is followed at once by its restart on the same host and, on another host, once its lease has run
out; and Telegram's 409 Conflict lasting past the grace stops the service the same way."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.store.backend import Store, make_store
from bot.store.database import to_text, utcnow
from bot.store.leases import PollerLease
from bot.transport.polling import EXIT_ANOTHER_POLLER, bot_key
from tests.factories import make_text_update
from tests.fake_bot_api import BOT_ID, TOKEN, FakeBotApi
from tests.telegram_harness import (
    BotProcess,
    next_to,
    running_service,
    service_env,
    service_settings,
)

pytestmark = pytest.mark.serial  # timings and kills: run one at a time (Makefile)

START_UP = 60.0
RESIDENT = 51_000_001
QUESTION = "你好"


async def stored_lease(database_url: str) -> PollerLease | None:
    store = make_store(Settings(database_url=database_url))
    await store.open()
    try:
        return await store.poller_lease(bot_key(BOT_ID))
    finally:
        await store.close()


async def answers(api: FakeBotApi, user: int) -> None:
    """A message from `user` is answered by whichever process polls now."""
    await next_to(api, user, make_text_update(user, QUESTION))


def poller(
    api: FakeBotApi, tmp_path: Path, database_url: str, name: str, **extra: str
) -> BotProcess:
    env = service_env(api, tmp_path, DATABASE_URL=database_url, **extra)
    return BotProcess(env, tmp_path / f"{name}.log")


@pytest.mark.slow
async def test_a_second_poller_on_one_database_refuses_and_a_killed_ones_restart_polls(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    """The second process exits 3 saying who polls (replica, host, pid), until when, and what
    to do; the first keeps answering. After the first is killed with SIGKILL, a new process on
    the same host takes its lease over at once (the holder's pid is gone) and answers; a clean
    stop gives the lease back."""
    first = poller(api, tmp_path, database_url, "first")
    try:
        await api.wait_for(lambda: api.of("getUpdates"), within=START_UP, what="the first poll")
        lease = await stored_lease(database_url)
        assert lease is not None
        assert lease.pid == first.process.pid
        assert TOKEN.split(":", 1)[1] not in repr(lease)  # keyed by the bot's id, not the token
        second = poller(api, tmp_path, database_url, "second")
        assert await second.wait(START_UP) == EXIT_ANOTHER_POLLER
        refusal = second.log()
        assert "not starting: another process is polling Telegram for this bot" in refusal
        assert f"replica {socket.gethostname()!r}" in refusal
        assert f"pid {first.process.pid}" in refusal
        assert "its lease runs until" in refusal
        assert "stop the other one first" in refusal
        assert "webhook mode (WEBHOOK_URL and WEBHOOK_SECRET, on PostgreSQL)" in refusal
        assert "Traceback" not in refusal
        assert "receiving updates" in refusal  # it got as far as the lease, and no further:
        assert "service ready" not in refusal  # no outbox, no inbox, no poll
        await answers(api, RESIDENT)  # the first one still serves

        first.kill()
        held = await stored_lease(database_url)
        assert held is not None
        assert held.pid == first.process.pid
        third = poller(api, tmp_path, database_url, "third")
        try:
            await answers(api, RESIDENT + 1)
            assert "taking over the polling lease of pid" in third.log()
            assert await third.stop() == 0
        finally:
            if third.process.poll() is None:
                third.kill()
        assert await stored_lease(database_url) is None
    finally:
        if first.process.poll() is None:
            first.kill()


@pytest.mark.slow
async def test_a_lease_held_on_another_host_is_taken_over_once_it_runs_out(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    """A poller on another machine holds the lease (its process cannot be looked at from
    here): a start is refused while the lease is live and succeeds once it has run out."""
    store = make_store(Settings(database_url=database_url))
    await store.open()
    now = utcnow()
    elsewhere = PollerLease(bot_key(BOT_ID), "replica-b", "other-machine", 4242, now, now)
    try:
        taken = await store.take_poller_lease(
            PollerLease(**{**elsewhere.__dict__, "lease_until": now + timedelta(seconds=6)}), now
        )
        assert taken.host == "other-machine"
    finally:
        await store.close()
    refused = poller(api, tmp_path, database_url, "refused")
    assert await refused.wait(START_UP) == EXIT_ANOTHER_POLLER
    assert "replica 'replica-b' on host 'other-machine', pid 4242" in refused.log()

    await asyncio.sleep((taken.lease_until - utcnow()).total_seconds() + 0.1)
    later = poller(api, tmp_path, database_url, "later")
    try:
        await answers(api, RESIDENT)
        held = await stored_lease(database_url)
        assert held is not None
        assert (held.host, held.pid) == (
            socket.gethostname(),
            later.process.pid,
        )
        assert await later.stop() == 0
    finally:
        if later.process.poll() is None:
            later.kill()


@pytest.mark.slow
async def test_a_poller_whose_lease_was_taken_over_stops(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    """The database could not renew the lease in time and another process took it over: at
    its next renewal the poller finds the lease gone and stops with exit status 3, naming the
    new holder, leaving that holder's lease alone."""
    process = poller(api, tmp_path, database_url, "overtaken", POLLING_LEASE="1.5")
    try:
        await api.wait_for(lambda: api.of("getUpdates"), within=START_UP, what="the first poll")
        store = make_store(Settings(database_url=database_url))
        await store.open()
        try:
            now = utcnow()
            await store.execute(
                "UPDATE poller_leases SET owner = ?, host = ?, pid = ?, lease_until = ?",
                ("replica-c", "third-machine", 777, to_text(now + timedelta(minutes=5))),
            )
        finally:
            await store.close()
        assert await process.wait(START_UP) == EXIT_ANOTHER_POLLER
    finally:
        if process.process.poll() is None:
            process.kill()
    log = process.log()
    assert "stopping: this process no longer holds the polling lease" in log
    assert "replica 'replica-c' on host 'third-machine', pid 777" in log
    assert "Traceback" not in log
    held = await stored_lease(database_url)
    assert held is not None
    assert (held.host, held.pid) == ("third-machine", 777)


@pytest.mark.slow
@pytest.mark.sqlite_only
async def test_telegram_answering_409_past_the_grace_stops_the_service(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    """Another poller on another database: every getUpdates is answered 409 Conflict. The
    service stops after POLLING_CONFLICT_GRACE with exit status 3 and the reason, giving its
    own lease back."""
    api.fail_next("getUpdates", times=10**6, status=409)
    process = poller(api, tmp_path, database_url, "conflict", POLLING_CONFLICT_GRACE="4")
    try:
        assert await process.wait(START_UP) == EXIT_ANOTHER_POLLER
    finally:
        if process.process.poll() is None:
            process.kill()
    log = process.log()
    assert "stopping: Telegram has kept answering getUpdates with 409 Conflict for 4 s" in log
    assert "run several replicas in webhook mode" in log
    assert len(api.of("getUpdates")) >= 3  # it tried again within the grace
    assert "Traceback" not in log
    assert "could not give the polling lease back" not in log
    assert await stored_lease(database_url) is None


@pytest.mark.slow
@pytest.mark.sqlite_only
async def test_409_every_other_poll_past_the_grace_stops_polling(
    api: FakeBotApi, tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Two pollers cut each other off: every other getUpdates is answered 409, the ones in
    between are answered. The conflicts keep coming past the grace, so polling stops with the
    reason (the answers in between do not start the grace again)."""
    api.fail_next("getUpdates", times=10**6, status=409, every=2)
    settings = service_settings(
        api, tmp_path, DATABASE_URL=database_url, POLLING_CONFLICT_GRACE="4"
    )
    async with running_service(settings):
        await api.wait_for(
            lambda: "kept answering getUpdates with 409" in caplog.text, within=30, what="stop"
        )
        polls = len(api.of("getUpdates"))
        await asyncio.sleep(3)  # polling stopped: no more getUpdates
        assert len(api.of("getUpdates")) == polls
    assert any(not c.failed for c in api.of("getUpdates"))  # answered in between


@pytest.mark.slow
@pytest.mark.sqlite_only
async def test_a_409_shorter_than_the_grace_is_waited_out(
    api: FakeBotApi, tmp_path: Path, database_url: str
) -> None:
    """A restart's leftover long poll: Telegram answers 409 a few times, then serves; the
    service goes on and answers."""
    api.fail_next("getUpdates", times=3, status=409)
    settings = service_settings(api, tmp_path, DATABASE_URL=database_url)
    async with running_service(settings):
        await answers(api, RESIDENT)
    assert [c.failed for c in api.of("getUpdates")][:3] == [True, True, True]
    assert await stored_lease(database_url) is None


async def test_the_lease_is_taken_refused_taken_over_renewed_and_released_by_its_holder(
    store: Store,
) -> None:
    """The lease row as the store keeps it: taken when free, refused (the holder returned)
    while live, taken once run out or when its holder is named as dead; renewed and released
    only by the one holding it."""
    now = utcnow()
    second = timedelta(seconds=1)

    def lease(host: str, pid: int, until: float) -> PollerLease:
        return PollerLease("telegram:1", "r", host, pid, now, now + until * second)

    first = lease("a", 1, 30)
    assert await store.take_poller_lease(first, now) == first
    assert await store.take_poller_lease(lease("b", 2, 30), now + second) == first
    assert not await store.renew_poller_lease(lease("b", 2, 30), now + 60 * second)
    assert await store.renew_poller_lease(first, now + 40 * second)
    renewed = await store.poller_lease("telegram:1")
    assert renewed is not None
    assert renewed.lease_until == now + 40 * second
    # Past the renewed lease another host takes it; the old holder can renew it no more.
    later = lease("b", 2, 60)
    assert await store.take_poller_lease(later, now + 41 * second) == later
    assert not await store.renew_poller_lease(first, now + 90 * second)
    await store.release_poller_lease(first)  # not its lease: nothing happens
    assert await store.poller_lease("telegram:1") == later
    # A holder known to be dead is taken over while its lease is live; only that one.
    restart = lease("b", 3, 30)
    assert await store.take_poller_lease(restart, now + 42 * second, stale=first) == later
    assert await store.take_poller_lease(restart, now + 42 * second, stale=later) == restart
    await store.release_poller_lease(restart)
    assert await store.poller_lease("telegram:1") is None
    assert await store.poller_lease("telegram:2") is None
