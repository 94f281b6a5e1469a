"""The console's part of the store on both backends: a login link is used once (also when two
connections use it at the same moment) and refused when expired or unknown; sessions are
kept, touched and ended; the stats' figures are read."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.store.backend import Store, make_store
from bot.store.console import ConsoleLinkRefusedError, ConsoleSessionNotFound
from bot.store.model import NewTicket
from tests.engine_setup import T0


async def test_a_link_is_used_once_and_refused_when_expired_or_unknown(store: Store) -> None:
    await store.add_console_link("fresh", 42, T0, T0 + timedelta(minutes=10))
    await store.add_console_link("old", 42, T0, T0 + timedelta(minutes=10))
    assert await store.use_console_link("fresh", T0 + timedelta(minutes=1)) == 42
    for token, at, reason in (
        ("fresh", T0 + timedelta(minutes=2), "used"),
        ("old", T0 + timedelta(minutes=11), "expired"),
        ("nobody", T0, "unknown"),
    ):
        with pytest.raises(ConsoleLinkRefusedError) as refused:
            await store.use_console_link(token, at)
        assert refused.value.reason == reason


async def test_two_connections_using_one_link_at_once_let_one_in(database_url: str) -> None:
    stores = [make_store(Settings(database_url=database_url)) for _ in range(2)]
    for each in stores:
        await each.open()
    try:
        await stores[0].add_console_link("link", 42, T0, T0 + timedelta(minutes=10))
        results = await asyncio.gather(
            *(each.use_console_link("link", T0) for each in stores), return_exceptions=True
        )
        assert sorted(map(repr, results)) == sorted(
            ["42", repr(ConsoleLinkRefusedError("used"))]
        ), results
    finally:
        for each in stores:
            await each.close()


async def test_sessions_and_the_figures(store: Store) -> None:
    await store.start_console_session("session", 42, "csrf", T0)
    await store.touch_console_session("session", T0 + timedelta(hours=1))
    kept = await store.console_session("session")
    assert (kept.user_id, kept.csrf, kept.seen_at) == (42, "csrf", T0 + timedelta(hours=1))
    await store.forget_console_logins(T0 + timedelta(minutes=30))  # seen after: kept
    await store.console_session("session")
    await store.end_console_session("session")
    with pytest.raises(ConsoleSessionNotFound):
        await store.console_session("session")

    ticket, _ = await store.create_ticket(NewTicket(5, 5, "telegram", "report", "路灯坏了"), T0)
    await store.staff_reply(ticket.number, "staff:1", "已报修", T0 + timedelta(hours=2))
    await store.record_answer("telegram", 5, 5, "问", "entry-x", (), T0)
    [figure] = await store.ticket_figures(T0, T0 + timedelta(days=1))
    assert (figure.number, figure.category, figure.first_reply_at) == (
        ticket.number,
        "report",
        T0 + timedelta(hours=2),
    )
    assert await store.answers_given(T0, T0 + timedelta(days=1)) == [(T0, "entry-x")]
