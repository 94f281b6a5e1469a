"""Decisions made once, whichever connection (replica, CLI, console) makes them at the same
moment, on both backends: a knowledge proposal is approved or rejected once, a rating gets one
comment, a ticket's assignment leaves one holder in the history."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.store.backend import Store, make_store
from bot.store.database import utcnow
from bot.store.model import AlreadyRatedError, NewProposal, NewTicket
from bot.store.proposals import ProposalDecidedError


@pytest.fixture
async def two(database_url: str) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores on one database: two processes' connections."""
    stores = (
        make_store(Settings(database_url=database_url)),
        make_store(Settings(database_url=database_url)),
    )
    for store in stores:
        await store.open()
    try:
        yield stores
    finally:
        for store in stores:
            await store.close()


async def ticket(store: Store) -> int:
    new = NewTicket(5, 5, "telegram", "unanswered", "路灯坏了")
    made, _ = await store.create_ticket(new, utcnow())
    return made.number


async def test_a_proposal_is_decided_once(two: tuple[Store, Store]) -> None:
    first, second = two
    number = await first.add_proposal(
        NewProposal("wording", "ticket", await ticket(first), "e1", "{}", "staff:1"), utcnow()
    )
    results = await asyncio.gather(
        first.decide_proposal(number, "approved", "staff:2", "", utcnow()),
        second.decide_proposal(number, "rejected", "staff:3", "重复", utcnow()),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, ProposalDecidedError)]
    assert len(refused) == 1, results
    decided = await first.proposal(number)
    winner = next(r for r in results if not isinstance(r, BaseException))
    assert (decided.status, decided.reviewer) == (winner.status, winner.reviewer)


async def test_a_rating_gets_one_comment(two: tuple[Store, Store]) -> None:
    first, second = two
    number = await ticket(first)
    await first.rate(number, 5, 1, utcnow(), utcnow())
    results = await asyncio.gather(
        first.add_rating_comment(number, "甲", utcnow()),
        second.add_rating_comment(number, "乙", utcnow()),
        return_exceptions=True,
    )
    assert sum(isinstance(r, AlreadyRatedError) for r in results) == 1, results
    kept = (await first.rating(number)).comment
    comments = [e.text for e in await first.events(number) if e.kind == "rating_comment"]
    assert comments == [kept]


async def test_two_assignments_at_once_leave_one_holder_in_the_history(
    two: tuple[Store, Store],
) -> None:
    """Each assignment records the holder it replaced: the second one names the first's."""
    first, second = two
    number = await ticket(first)
    await asyncio.gather(
        first.assign(number, "staff:1", "staff:7", utcnow()),
        second.assign(number, "staff:2", "staff:8", utcnow()),
    )
    texts = [e.text for e in await first.events(number) if e.kind == "assigned"]
    holder = (await first.ticket(number)).assignee
    assert sorted(texts) in (["staff:7|", "staff:8|staff:7"], ["staff:7|staff:8", "staff:8|"])
    assert texts[-1].split("|")[0] == holder
