"""A message delivered twice (a transport retrying after a crash) is acted on once: the second
delivery gets the same replies, marked "duplicate", and changes nothing. Buttons that only move
the chat (menus, 补充说明, the 通办 steps) can be tapped again and again."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.dialogue.engine import Engine
from bot.messages import Incoming, Outcome, Speaker
from bot.store.backend import Store
from bot.store.database import StoreFullError
from bot.store.sqlite import SQLiteTicketStore
from tests.engine_setup import T0, Clock, data, make_engine
from tests.factories import (
    ENGINE_STAFF_CHAT_ID,
    ENGINE_STAFF_ID,
    make_choice,
    make_command,
    make_text,
)

COVERED = "渝中区有多少栋建成楼宇"
UNCOVERED = "火星上明天的天气预报是什么"
STAFF_IN_GROUP = Speaker(ENGINE_STAFF_ID, ENGINE_STAFF_CHAT_ID, "值班", "zh", "telegram")
OTHER_STAFF_ID = 901
LATER = T0 + timedelta(days=30)


@pytest.fixture
def engine(store: Store) -> Engine:
    return make_engine(store, Clock(), staff_user_ids=frozenset({ENGINE_STAFF_ID, OTHER_STAFF_ID}))


async def snapshot(store: Store) -> list[object]:
    """Everything a turn could change, to compare before and after a redelivery."""
    found: list[object] = []
    for table in ("tickets", "events", "outbox", "answers", "attachments", "chat_state"):
        rows = await store.rows(f"SELECT * FROM {table}")  # names from the tuple above
        found.append([tuple(row) for row in rows])
    return found


async def delivered_twice(engine: Engine, store: Store, incoming: Incoming) -> Outcome:
    """Handle the input, then the same input again: assert the second changed nothing and
    repeated the replies; return the first outcome."""
    first = await engine.handle(incoming)
    before = await snapshot(store)
    again = await engine.handle(incoming)
    assert await snapshot(store) == before
    assert again.notes == ("duplicate", *first.notes)
    assert (again.replies, again.ticket_number) == (first.replies, first.ticket_number)
    return first


async def test_a_redelivered_follow_up_is_appended_once(engine: Engine, store: Store) -> None:
    """补充说明 then the details: the same message again is not appended again, and is not
    taken for a new question either."""
    await engine.handle(make_text(UNCOVERED))
    await engine.handle(make_choice("add:1"))
    first = await delivered_twice(engine, store, make_text("我住在大坪正街", message_id=31))
    assert first.notes == ("followup_saved",)
    kinds = [e.kind for e in await store.events(1)]
    assert kinds.count("resident_followup") == 1
    assert len(await store.tickets()) == 1


async def test_a_follow_up_after_a_staff_question_is_appended_once(
    engine: Engine, store: Store
) -> None:
    """Staff ask something (a question mark puts the chat in the follow-up flow); the answer
    delivered twice is appended once and posted to staff once."""
    await engine.handle(make_text(UNCOVERED))
    await engine.handle(make_command("/reply 1 您住在哪个街道？", STAFF_IN_GROUP))
    await delivered_twice(engine, store, make_text("大坪街道", message_id=32))
    notices = [m for m in await store.due_messages(LATER) if m.kind == "staff_notice"]
    assert len(notices) == 1


async def test_a_redelivered_tongban_step_files_one_ticket(engine: Engine, store: Store) -> None:
    """Each step of the 通办 flow delivered twice: the flow does not move twice, and the last
    step files one ticket (the repeat is not read as a new question after the flow ended)."""
    await engine.handle(make_command("/tongban"))
    await engine.handle(make_choice("tb:yz"))
    matter = await delivered_twice(engine, store, make_text("开居住证明", message_id=41))
    assert matter.notes == ("tongban_phone",)
    done = await delivered_twice(engine, store, make_text("13812345678", message_id=42))
    assert done.notes == ("ticket",)
    [ticket] = await store.tickets()
    assert (ticket.category, ticket.phone) == ("cross-district", "13812345678")
    assert len([m for m in await store.due_messages(LATER) if m.kind == "staff_post"]) == 1


@pytest.mark.parametrize(("vote", "tickets"), [("up", 0), ("down", 1)])
async def test_a_redelivered_feedback_tap_counts_once(
    engine: Engine, store: Store, vote: str, tickets: int
) -> None:
    """👍 / 👎 under an answer, the tap delivered twice: one vote (and for 👎, after the line
    on what was missing, also delivered twice, one ticket)."""
    answer = await engine.handle(make_text(COVERED, message_id=50))
    button = next(d for d in data(answer) if d.startswith(f"fb:{vote}:"))
    await delivered_twice(engine, store, make_choice(button, message_id=51))
    if vote == "down":
        await delivered_twice(engine, store, make_text("没说在哪", message_id=52))
    assert (await store.stats()).feedback == {vote: 1}
    assert len(await store.tickets()) == tickets


@pytest.mark.parametrize(
    "reply",
    [
        make_command("/reply 1 明天晴", STAFF_IN_GROUP),
        Incoming(STAFF_IN_GROUP, "text", text="明天晴", message_id=61, reply_to_message_id=7001),
    ],
    ids=["command", "reply to the staff post"],
)
async def test_a_redelivered_staff_reply_reaches_the_resident_once(
    engine: Engine, store: Store, reply: Incoming
) -> None:
    """A staff reply delivered twice: one staff_reply event, one message queued for the
    resident."""
    await engine.handle(make_text(UNCOVERED))
    [post] = [m for m in await store.due_messages(LATER) if m.kind == "staff_post"]
    await store.mark_sent(post.id, 7001)
    first = await delivered_twice(engine, store, reply)
    assert first.notes == ("staff_replied",)
    assert [e.kind for e in await store.events(1)].count("staff_reply") == 1
    assert len([m for m in await store.due_messages(LATER) if m.kind == "to_resident"]) == 1


async def test_two_staff_tapping_the_same_claim_button_each_get_their_answer(
    engine: Engine, store: Store
) -> None:
    """The same button under the same post tapped by two people is two inputs, not a
    redelivery: the second is told who holds the ticket (a claim never overwrites another)
    instead of seeing the first one's confirmation."""
    await engine.handle(make_text(UNCOVERED))
    other = Speaker(OTHER_STAFF_ID, ENGINE_STAFF_CHAT_ID, "同事", "zh", "telegram")
    first = await engine.handle(make_choice("claim:1", STAFF_IN_GROUP, message_id=7001))
    second = await engine.handle(make_choice("claim:1", other, message_id=7001))
    assert first.notes == ("staff_claimed",)
    assert second.notes == ("staff_held",)
    assert (await store.ticket(1)).assignee == f"staff:{ENGINE_STAFF_ID}"


async def test_a_moving_button_can_be_tapped_again(engine: Engine, store: Store) -> None:
    """补充说明 under a staff reply, used twice: each tap opens the follow-up again."""
    await engine.handle(make_text(UNCOVERED))
    for details in ("第一次补充", "第二次补充"):
        opened = await engine.handle(make_choice("add:1", message_id=70))
        assert opened.notes == ("followup",)
        await engine.handle(make_text(details))
    followups = [e.text for e in await store.events(1) if e.kind == "resident_followup"]
    assert followups == ["第一次补充", "第二次补充"]


async def test_a_refused_attempt_is_not_remembered(tmp_path: Path) -> None:
    """An input the database could not take (busy) is not recorded as processed: sent again,
    it is acted on. SQLite only: the lock is SQLite's (BEGIN IMMEDIATE on a second connection);
    test_postgres locks a table for the same behaviour on PostgreSQL."""
    store = SQLiteTicketStore(tmp_path / "bot.db", busy_timeout_ms=50)
    await store.open()
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        engine = make_engine(store, Clock())
        other.execute("BEGIN IMMEDIATE")
        assert (await engine.handle(make_text(UNCOVERED, message_id=90))).notes == ("busy",)
        other.execute("ROLLBACK")
        assert (await engine.handle(make_text(UNCOVERED, message_id=90))).notes == ("ticket",)
    finally:
        other.close()
        await store.close()


async def test_purge_forgets_old_processed_messages(engine: Engine, store: Store) -> None:
    """Retention covers the record of processed messages (it holds the replies' text)."""
    await engine.handle(make_text(COVERED, message_id=80))
    assert await store.rows("SELECT * FROM processed_messages")
    await store.purge(LATER)
    assert await store.rows("SELECT * FROM processed_messages") == []


async def test_processed_messages_are_remembered_for_two_days(store: Store) -> None:
    """Records older than two days (Telegram redelivers within one) are dropped as new ones are
    written; a redelivery within the window is still recognised."""
    clock = Clock()
    engine = make_engine(store, clock)
    await engine.handle(make_text(COVERED, message_id=81))
    clock.now += timedelta(days=1)
    assert (await engine.handle(make_text(COVERED, message_id=81))).notes[0] == "duplicate"
    clock.now += timedelta(days=2)
    await engine.handle(make_text(COVERED, message_id=82))
    keys = [r["input_key"] for r in await store.rows("SELECT * FROM processed_messages")]
    assert keys == ["m:82"]


async def outbox_rows(store: Store) -> list[tuple[object, ...]]:
    rows = await store.rows("SELECT chat_id, kind, text, dedupe_key FROM outbox ORDER BY id")
    return [tuple(row) for row in rows]


async def test_with_a_reply_key_the_replies_are_queued_in_the_turn(
    engine: Engine, store: Store
) -> None:
    """The transport's way: the replies go to the outbox with the turn's own effects (here a
    ticket and its staff post), each under a key derived from the input; delivered again,
    nothing more is queued."""
    incoming = make_text(UNCOVERED, message_id=31)
    outcome = await engine.handle(incoming, reply_key="update-31")
    assert outcome.queued
    assert outcome.ticket_number == 1
    chat_id = incoming.speaker.chat_id
    replies = [
        (chat_id, "reply", r.text, f"reply:update-31:{i}") for i, r in enumerate(outcome.replies)
    ]
    queued = await outbox_rows(store)
    assert [row for row in queued if row[1] == "reply"] == replies
    assert [row[0] for row in queued if row[1] == "staff_post"] == [ENGINE_STAFF_CHAT_ID]

    again = await engine.handle(incoming, reply_key="update-31")
    assert again.queued
    assert again.notes[0] == "duplicate"
    assert await outbox_rows(store) == queued


async def test_without_a_reply_key_nothing_is_queued_for_the_same_chat(
    engine: Engine, store: Store
) -> None:
    """The terminal chat shows the replies itself."""
    outcome = await engine.handle(make_text(COVERED, message_id=32))
    assert not outcome.queued
    assert outcome.replies
    assert [row for row in await outbox_rows(store) if row[1] == "reply"] == []


def fill_the_disk_at_the_reply(store: Store) -> None:
    """The store's disk fills up exactly when a reply is queued (a fault at the storage edge,
    made the same way on both backends)."""
    original = store.enqueue

    async def enqueue(chat_id: int, text: str, **kwargs: Any) -> int | None:
        if kwargs.get("kind") == "reply":
            raise StoreFullError("the database is full")
        return await original(chat_id, text, **kwargs)

    store.enqueue = enqueue  # type: ignore[method-assign]


async def test_a_reply_that_cannot_be_queued_undoes_the_turn(store: Store) -> None:
    """The replies and the turn's effects are one transaction: when the replies cannot be
    queued, no ticket is left behind, and the resident is asked to send it again (that reply
    is not queued, so the transport shows it directly)."""
    fill_the_disk_at_the_reply(store)
    engine = make_engine(store, Clock())
    outcome = await engine.handle(make_text(UNCOVERED, message_id=33), reply_key="u33")
    assert not outcome.queued
    assert outcome.ticket_number is None
    assert outcome.notes == ("disk_full",)
    for table in ("tickets", "outbox", "processed_messages"):
        rows = await store.rows(f"SELECT * FROM {table}")  # names from the tuple
        assert rows == [], table
