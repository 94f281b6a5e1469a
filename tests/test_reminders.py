"""The SLA reminder: which tickets it names, and that it goes out at most once per period."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.helpdesk.reminders import queue_sla_reminder
from bot.store.backend import make_store
from bot.store.model import NewTicket
from bot.store.sqlite import SQLiteTicketStore

STAFF_CHAT = -100777
NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
SETTINGS = Settings(staff_chat_id=STAFF_CHAT, sla_hours=24)


async def file(store: SQLiteTicketStore, text: str, hours_ago: float) -> int:
    new = NewTicket(1, 1, "telegram", "unanswered", text)
    ticket, _ = await store.create_ticket(new, NOW - timedelta(hours=hours_ago))
    return ticket.number


async def reminders(store: SQLiteTicketStore) -> list[str]:
    messages = await store.due_messages(NOW + timedelta(days=30))
    return [m.text for m in messages if m.kind == "staff_notice" and m.chat_id == STAFF_CHAT]


async def test_only_tickets_waiting_longer_than_the_sla_are_named(
    store: SQLiteTicketStore,
) -> None:
    """Open and claimed tickets older than SLA_HOURS are listed, with masked phone numbers."""
    old = await file(store, "电话13812345678，路灯坏了", hours_ago=30)
    claimed = await file(store, "井盖丢了", hours_ago=25)
    await store.claim(claimed, "staff:1", NOW - timedelta(hours=20))
    young = await file(store, "刚提的问题", hours_ago=2)
    answered = await file(store, "已回复的问题", hours_ago=40)
    await store.staff_reply(answered, "staff:1", "好的", NOW - timedelta(hours=1))

    assert await queue_sla_reminder(store, SETTINGS, NOW) is not None
    [text] = await reminders(store)
    assert f"#{old}" in text
    assert f"#{claimed}" in text
    assert f"#{young}" not in text
    assert f"#{answered}" not in text
    assert "13812345678" not in text


async def test_at_most_one_reminder_per_period(store: SQLiteTicketStore) -> None:
    """Checking again (or after a restart) within the same period queues nothing new."""
    await file(store, "路灯坏了", hours_ago=30)
    first = await queue_sla_reminder(store, SETTINGS, NOW)
    again = await queue_sla_reminder(store, SETTINGS, NOW + timedelta(hours=1))
    next_period = await queue_sla_reminder(store, SETTINGS, NOW + timedelta(hours=24))
    assert (first is not None, again, next_period is not None) == (True, None, True)


async def test_nothing_is_queued_when_nothing_is_overdue_or_there_is_no_staff_chat(
    store: SQLiteTicketStore,
) -> None:
    """No overdue ticket, or no STAFF_CHAT_ID: no reminder."""
    await file(store, "刚提的问题", hours_ago=1)
    assert await queue_sla_reminder(store, SETTINGS, NOW) is None
    await file(store, "路灯坏了", hours_ago=30)
    assert await queue_sla_reminder(store, Settings(sla_hours=24), NOW) is None


async def test_replicas_checking_at_once_queue_one_reminder(database_url: str) -> None:
    """Every replica runs the reminder job: three stores checking the same period at the same
    moment queue one reminder (its key names the period), on either backend."""
    replicas = [make_store(Settings(database_url=database_url)) for _ in range(3)]
    for replica in replicas:
        await replica.open()
    try:
        await file(replicas[0], "路灯坏了", hours_ago=30)
        queued = await asyncio.gather(
            *(
                queue_sla_reminder(r, SETTINGS, NOW + timedelta(minutes=n))
                for n, r in enumerate(replicas)
            )
        )
        assert sum(q is not None for q in queued) == 1
        assert len(await reminders(replicas[0])) == 1
    finally:
        for replica in replicas:
            await replica.close()
