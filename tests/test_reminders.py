"""The time-limit reminder: what became due soon or overdue (on the working-day calendar) goes
to the staff group in one post, each ticket's limit and state once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.helpdesk.deadlines import load_rules
from bot.helpdesk.reminders import queue_due_reminder
from bot.store.backend import Store, make_store
from bot.store.model import NewTicket

STAFF_CHAT = -100777
SETTINGS = Settings(staff_chat_id=STAFF_CHAT)
RULES = load_rules(SETTINGS)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026, Shanghai time (2 March is a Monday; no holiday that week)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


async def file(store: Store, text: str, at: datetime, category: str = "unanswered") -> int:
    new = NewTicket(1, 1, "telegram", category, text)  # type: ignore[arg-type]
    ticket, _ = await store.create_ticket(new, at)
    return ticket.number


async def posts(store: Store) -> list[str]:
    messages = await store.due_messages(local(30, 0))
    return [m.text for m in messages if m.kind == "staff_notice" and m.chat_id == STAFF_CHAT]


async def test_tickets_that_became_due_soon_are_named_in_one_post(
    store: Store,
) -> None:
    """Filed on Monday morning, both must be accepted by Tuesday 18:00: at 15:00 on Tuesday
    (3 working hours left) both are due soon, named in one post, phone numbers masked; one
    filed on Tuesday is on time and not named."""
    first = await file(store, "电话13812345678，路灯坏了", local(2, 10))
    second = await file(store, "井盖丢了", local(2, 11))
    fresh = await file(store, "刚提的问题", local(3, 9))
    assert await queue_due_reminder(store, SETTINGS, RULES, local(3, 15)) is not None
    [text] = await posts(store)
    assert f"#{first} · 🟡受理 03-03 18:00 即将到期" in text
    assert f"#{second} · " in text
    assert f"#{fresh} · " not in text
    assert "13812345678" not in text


async def test_each_limit_and_state_is_told_once(store: Store) -> None:
    """Checking again tells nothing new; when the accept limit passes it is told as overdue
    (once); a claim meets it, so the answer limit is the one watched after that."""
    number = await file(store, "路灯坏了", local(2, 10))
    assert await queue_due_reminder(store, SETTINGS, RULES, local(3, 15)) is not None
    assert await queue_due_reminder(store, SETTINGS, RULES, local(3, 16)) is None
    assert await queue_due_reminder(store, SETTINGS, RULES, local(4, 9, 30)) is not None
    assert await queue_due_reminder(store, SETTINGS, RULES, local(4, 10)) is None
    texts = await posts(store)
    assert len(texts) == 2
    assert f"#{number} · 🔴受理 03-03 18:00 已超时" in texts[1]
    await store.claim(number, "staff:1", local(4, 10))
    # The answer limit (Thursday 18:00) is due soon once 4 working hours are left (12:00).
    assert await queue_due_reminder(store, SETTINGS, RULES, local(5, 11)) is None
    assert await queue_due_reminder(store, SETTINGS, RULES, local(5, 15)) is not None
    assert f"#{number} · 🟡答复 03-05 18:00 即将到期" in (await posts(store))[2]


async def test_a_weekend_does_not_count(store: Store) -> None:
    """Filed on Friday: accept by Monday 18:00, so on Monday morning nothing is due yet."""
    await file(store, "路灯坏了", local(6, 10))
    assert await queue_due_reminder(store, SETTINGS, RULES, local(9, 9)) is None
    assert await queue_due_reminder(store, SETTINGS, RULES, local(9, 15)) is not None


async def test_an_overdue_bad_rating_follow_up_is_reminded(store: Store) -> None:
    number = await file(store, "路灯坏了", local(2, 10))
    await store.staff_reply(number, "staff:1", "已修好", local(2, 11))
    await store.close_ticket(number, "staff:1", "", local(2, 12))
    await store.rate(number, 1, 1, local(3, 18), local(2, 15))
    assert await queue_due_reminder(store, SETTINGS, RULES, local(4, 9)) is not None
    assert f"#{number} · 🔴回访 03-03 18:00 已超时" in (await posts(store))[0]


async def test_nothing_is_queued_without_a_staff_chat_or_when_nothing_is_due(
    store: Store,
) -> None:
    await file(store, "路灯坏了", local(2, 10))
    assert await queue_due_reminder(store, SETTINGS, RULES, local(2, 11)) is None
    assert await queue_due_reminder(store, Settings(), RULES, local(4, 10)) is None


async def test_replicas_checking_at_once_queue_one_reminder(database_url: str) -> None:
    """Every replica runs the reminder job: three stores checking at the same moment (each
    under its own minute, so the outbox's key does not merge them) queue one post naming the
    ticket (each limit and state is noted once in the database), on either backend."""
    replicas: list[Store] = [make_store(Settings(database_url=database_url)) for _ in range(3)]
    for replica in replicas:
        await replica.open()
    try:
        number = await file(replicas[0], "路灯坏了", local(2, 10))
        queued = await asyncio.gather(
            *(
                queue_due_reminder(r, SETTINGS, RULES, local(3, 15) + timedelta(minutes=n))
                for n, r in enumerate(replicas)
            )
        )
        assert sum(q is not None for q in queued) == 1
        [text] = await posts(replicas[0])
        assert f"#{number} · " in text
    finally:
        for replica in replicas:
            await replica.close()
