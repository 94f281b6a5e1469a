"""The ticket store on both backends (conftest's `store` and `database_url`): transactions,
idempotency, history, outbox, concurrency; and on SQLite alone what is SQLite's own (its
migrations and catalogue, its file's folder, its write lock), each test saying so."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import asyncpg
import pytest

from bot.config import Settings
from bot.store.backend import Store, make_store
from bot.store.database import (
    DatabaseFolderMissingError,
    StoreBusyError,
    StoreFullError,
    TicketNotFound,
)
from bot.store.migrations import MIGRATIONS, current_version, migrate
from bot.store.model import InvalidTransitionError, NewTicket
from bot.store.sqlite import SQLiteTicketStore
from tests.stored import opened

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def new(
    text: str = "路灯坏了", *, user: int = 1, key: str | None = None, **fields: object
) -> NewTicket:
    return NewTicket(
        user_id=user,
        chat_id=user,
        channel="telegram",
        category=fields.pop("category", "unanswered"),  # type: ignore[arg-type]
        text=text,
        idempotency_key=key,
        **fields,  # type: ignore[arg-type]
    )


def raw(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


async def test_migrations_build_the_schema_from_empty_once(tmp_path: Path) -> None:
    """An empty file gets every step recorded once; opening again applies nothing twice.
    SQLite only (its catalogue, WAL); test_postgres runs `db migrate` twice on a server."""
    path = tmp_path / "t.db"
    for _ in range(2):
        store = SQLiteTicketStore(path)
        await store.open()
        await store.close()
    versions = raw(path, "SELECT version FROM schema_version ORDER BY version")
    assert [v for (v,) in versions] == [step[0] for step in MIGRATIONS]
    tables = {name for (name,) in raw(path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"tickets", "events", "attachments", "outbox", "staff_posts", "chat_state"} <= tables
    assert raw(path, "PRAGMA journal_mode") == [("wal",)]


async def test_a_failing_step_leaves_the_previous_version(tmp_path: Path) -> None:
    """A step that breaks half-way is rolled back together with its version record. SQLite's
    migrate; test_postgres has the same test for PostgreSQL's."""
    broken = (
        *MIGRATIONS,
        (99, "broken", "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1)"),
    )
    conn = await aiosqlite.connect(tmp_path / "t.db", isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
            await migrate(conn, broken)
        assert await current_version(conn) == MIGRATIONS[-1][0]
        async with conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'") as cur:
            assert await cur.fetchall() == []
    finally:
        await conn.close()


async def test_foreign_keys_are_enforced(store: Store) -> None:
    """An event for a ticket that does not exist is refused by the database."""
    with pytest.raises((sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)):
        await store.execute(
            "INSERT INTO events (ticket_number, kind, actor, at) VALUES (999, 'claimed', 'x', '')"
        )


async def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    """The store does not invent folders: a wrong DATABASE_URL fails at start-up (a SQLite
    file's folder; test_postgres: an unreachable server)."""
    store = SQLiteTicketStore(tmp_path / "nowhere" / "t.db")
    with pytest.raises(DatabaseFolderMissingError, match="does not exist"):
        await store.open()


async def test_create_ticket_records_everything(store: Store) -> None:
    """A ticket keeps resident, category, text, candidates, attachments, phone, and a created
    event."""
    ticket, created = await store.create_ticket(
        new(
            "井盖丢了",
            name="张三",
            language="en",
            category="report",
            candidates=(("street-problem-report", 40.0),),
            attachments=("file-1",),
            phone="13812345678",
        ),
        T0,
    )
    assert created
    assert (ticket.number, ticket.status, ticket.category) == (1, "open", "report")
    assert (ticket.name, ticket.language, ticket.phone) == ("张三", "en", "13812345678")
    assert ticket.candidates == (("street-problem-report", 40.0),)
    assert ticket.attachments == ("file-1",)
    assert ticket.created_at == T0
    assert [(e.kind, e.actor) for e in await store.events(1)] == [("created", "user:1")]


async def test_the_same_message_never_creates_two_tickets(store: Store) -> None:
    """A second create with the same idempotency key returns the first ticket."""
    first, created = await store.create_ticket(new(key="telegram:1:77"), T0)
    again, created_again = await store.create_ticket(new("别的", key="telegram:1:77"), T0)
    assert (created, created_again) == (True, False)
    assert again == first
    assert len(await store.tickets()) == 1


async def test_a_failure_between_creation_steps_leaves_no_half_ticket(store: Store) -> None:
    """If the step after inserting the ticket and its event fails, all of it is rolled back."""

    async def attach_fails(number: int, files: tuple[str, ...], at: datetime) -> None:
        raise StoreFullError("disk full while attaching")

    store._attach = attach_fails  # type: ignore[method-assign]
    with pytest.raises(StoreFullError, match="disk full"):
        await store.create_ticket(new(attachments=("f",)), T0)
    assert await store.tickets() == []
    assert await store.rows("SELECT * FROM events") == []


async def test_a_transaction_rolls_back_and_reraises(store: Store) -> None:
    """An exception after the ticket is written, before its staff post, undoes both."""

    async def file_then_fail() -> None:
        async with store.transaction():
            ticket, _ = await store.create_ticket(new(), T0)
            await store.enqueue(-1, "post", kind="staff_post", ticket_number=ticket.number)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await file_then_fail()
    assert await store.tickets() == []
    assert await store.due_messages(T0 + timedelta(days=1)) == []
    ticket, _ = await store.create_ticket(new(), T0)  # the store is usable afterwards
    assert ticket.number >= 1


async def test_two_concurrent_writers_lose_nothing(database_url: str) -> None:
    """Two connections creating tickets at once get distinct numbers and every ticket is kept."""
    settings = Settings(database_url=database_url)
    first, second = make_store(settings), make_store(settings)
    await first.open()
    await second.open()
    try:
        results = await asyncio.gather(
            *(
                store.create_ticket(new(f"q{i}", user=i), T0)
                for i in range(40)
                for store in ((first, second)[i % 2],)
            )
        )
        numbers = [ticket.number for ticket, _ in results]
        assert len(set(numbers)) == 40
        assert sorted(t.number for t in await second.tickets()) == sorted(numbers)
    finally:
        await first.close()
        await second.close()


async def test_a_mistake_in_our_sql_is_not_mistaken_for_a_fault(store: Store) -> None:
    """Only faults outside the program become "please try again"; a bad statement (a bug)
    still raises the driver's own error, inside a transaction or not, and the store goes on."""
    missing = (sqlite3.OperationalError, asyncpg.UndefinedTableError)
    with pytest.raises(missing, match="no_such_table"):
        await store.execute("INSERT INTO no_such_table VALUES (1)")
    with pytest.raises(missing, match="no_such_table"):
        await store.rows("SELECT * FROM no_such_table")
    with pytest.raises(missing, match="no_such_table"):
        async with store.transaction():
            await store.execute("INSERT INTO no_such_table VALUES (1)")
    assert await store.tickets() == []  # the connection is still usable


async def test_a_locked_database_raises_store_busy(tmp_path: Path) -> None:
    """Another process holding the write lock past the busy timeout gives StoreBusyError.
    SQLite's lock (BEGIN IMMEDIATE); test_postgres locks a table for PostgreSQL."""
    path = tmp_path / "t.db"
    store = SQLiteTicketStore(path, busy_timeout_ms=50)
    await store.open()
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreBusyError):
            await store.create_ticket(new(), T0)
        other.execute("ROLLBACK")
        assert await store.tickets() == []
    finally:
        other.close()
        await store.close()


async def test_status_moves_through_claim_reply_close_reopen(store: Store) -> None:
    """open → claimed → answered → closed → reopened, each recorded with actor and time."""
    await store.create_ticket(new(), T0)
    assert (await store.claim(1, "staff:9", T0 + timedelta(minutes=1))).status == "claimed"
    answered = await store.staff_reply(1, "staff:9", "已处理", T0 + timedelta(minutes=5))
    assert (answered.status, answered.assignee, answered.last_staff_reply) == (
        "answered",
        "staff:9",
        "已处理",
    )
    assert (
        await store.close_ticket(1, "staff:9", "done", T0 + timedelta(hours=1))
    ).status == "closed"
    with pytest.raises(InvalidTransitionError):
        await store.staff_reply(1, "staff:9", "again", T0)
    assert (await store.reopen(1, "staff:8", T0 + timedelta(hours=2))).status == "claimed"
    history = [(e.kind, e.actor, e.text) for e in await store.events(1)]
    assert history == [
        ("created", "user:1", "unanswered"),
        ("claimed", "staff:9", ""),
        ("staff_reply", "staff:9", "已处理"),
        ("closed", "staff:9", "done"),
        ("reopened", "staff:8", ""),
    ]


async def test_a_followup_reopens_an_answered_ticket_for_staff(store: Store) -> None:
    """A resident's follow-up puts an answered ticket back in front of staff, with the file."""
    await store.create_ticket(new(), T0)
    await store.staff_reply(1, "staff:9", "哪栋楼？", T0)
    ticket = await store.add_followup(1, "user:1", "5栋", ("photo-2",), T0)
    assert (ticket.status, ticket.attachments) == ("claimed", ("photo-2",))
    assert (await store.events(1))[-1].kind == "resident_followup"


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.ticket(42),
        lambda s: s.events(42),
        lambda s: s.claim(42, "x", T0),
        lambda s: s.ticket_for_staff_message(-1, 5),
    ],
)
async def test_not_found_raises(store: Store, call: object) -> None:
    """Unknown tickets (and staff posts) raise TicketNotFound, never return None."""
    with pytest.raises(TicketNotFound):
        await call(store)  # type: ignore[operator]


async def test_list_filters_by_status_category_and_age(store: Store) -> None:
    """Filters combine; newest first."""
    await store.create_ticket(new("old"), T0)
    await store.create_ticket(new("feedback", category="feedback"), T0 + timedelta(hours=5))
    await store.create_ticket(new("new"), T0 + timedelta(hours=10))
    await store.close_ticket(3, "x", "", T0 + timedelta(hours=11))
    assert [t.number for t in await store.tickets()] == [3, 2, 1]
    assert [t.number for t in await store.tickets(statuses=("open",))] == [2, 1]
    assert [t.number for t in await store.tickets(category="feedback")] == [2]
    before = T0 + timedelta(hours=6)
    assert [t.number for t in await store.tickets(created_before=before)] == [2, 1]


async def test_count_tickets_counts_open_and_recent(store: Store) -> None:
    """Limits count one resident's open tickets and the ones filed since a time."""
    for hour in range(3):
        await store.create_ticket(new(), T0 + timedelta(hours=hour))
    await store.close_ticket(1, "x", "", T0)
    await store.create_ticket(new(user=2), T0)
    assert await store.count_tickets("telegram", 1, open_only=True) == 2
    since = T0 + timedelta(minutes=30)
    assert await store.count_tickets("telegram", 1, open_only=False, since=since) == 2


async def test_stats_count_and_median_first_reply(store: Store) -> None:
    """Median of the time to the first staff reply, over replied tickets only."""
    for minutes in (10, 30, 50):
        ticket, _ = await store.create_ticket(new(), T0)
        await store.staff_reply(ticket.number, "s", "a", T0 + timedelta(minutes=minutes))
        await store.staff_reply(ticket.number, "s", "b", T0 + timedelta(hours=9))
    await store.create_ticket(new(category="report"), T0)
    stats = await store.stats()
    assert stats.median_first_reply == timedelta(minutes=30)
    assert (stats.by_status["answered"], stats.by_status["open"], stats.replied) == (3, 1, 3)
    assert stats.by_category["report"] == 1


async def test_purge_removes_old_closed_tickets_and_their_history(store: Store) -> None:
    """Retention: closed tickets past the cutoff go with their events; open ones stay."""
    await store.create_ticket(new("old closed"), T0)
    await store.close_ticket(1, "x", "", T0)
    await store.create_ticket(new("old open"), T0)
    assert await store.purge(T0 + timedelta(days=1)) == 1
    assert [t.text for t in await store.tickets()] == ["old open"]
    assert await store.rows("SELECT * FROM events WHERE ticket_number = 1") == []


async def test_purge_forgets_old_chat_state_and_sent_messages(store: Store) -> None:
    """Retention also covers conversation state and delivered messages, not pending ones."""
    from bot.store.chat_state import ChatState

    await store.save_state(ChatState("telegram", 7, "tongban", "matter"), T0)
    sent = await store.enqueue(7, "old", kind="reply", at=T0)
    await store.enqueue(7, "pending", kind="reply", at=T0)
    await store.mark_sent(sent or 0, 1)
    await store.purge(T0 + timedelta(days=1))
    assert await store.load_state("telegram", 7) == ChatState("telegram", 7)
    assert [m.text for m in await store.due_messages(T0 + timedelta(days=2))] == ["pending"]


async def test_outbox_dedupes_and_retries(store: Store) -> None:
    """A dedupe key queues once; a retry is not due before its time; sent messages leave."""
    first = await store.enqueue(5, "hi", kind="reply", dedupe_key="reply:5:1:0")
    assert await store.enqueue(5, "hi", kind="reply", dedupe_key="reply:5:1:0") is None
    assert first is not None
    [message] = await store.due_messages(T0)
    assert (message.chat_id, message.text, message.attempts) == (5, "hi", 0)
    await store.mark_retry(first, "TimedOut", T0 + timedelta(minutes=1))
    assert await store.due_messages(T0) == []
    [message] = await store.due_messages(T0 + timedelta(minutes=1))
    assert message.attempts == 1
    await store.mark_sent(first, 900)
    assert await store.due_messages(T0 + timedelta(days=1)) == []


async def test_a_sent_staff_post_maps_back_to_its_ticket(store: Store) -> None:
    """Staff reply to a post: the post's Telegram message id leads to the ticket."""
    await store.create_ticket(new(), T0)
    post = await store.enqueue(-100, "#1", kind="staff_post", ticket_number=1)
    assert post is not None
    await store.mark_sent(post, 4242)
    assert await store.ticket_for_staff_message(-100, 4242) == 1


async def test_outbox_keeps_channels_apart(store: Store) -> None:
    """The Telegram dispatcher never sees terminal messages, and the reverse."""
    await store.enqueue(1, "to terminal", kind="to_resident", channel="terminal")
    await store.enqueue(1, "to telegram", kind="to_resident")
    later = T0 + timedelta(days=1)
    assert [m.text for m in await store.due_messages(later)] == ["to telegram"]
    terminal = await store.due_messages(later, channel="terminal", chat_id=1)
    assert [m.text for m in terminal] == ["to terminal"]


async def test_chat_state_survives_a_restart(database_url: str) -> None:
    """A flow in progress is in the database, not in memory."""
    from bot.store.chat_state import ChatState

    state = ChatState("telegram", 7, "tongban", "matter", {"community": "yz"}, "en", 3)
    async with opened(database_url) as store:
        await store.save_state(state, T0)
    async with opened(database_url) as store:
        assert await store.load_state("telegram", 7) == state
        assert await store.load_state("terminal", 7) == ChatState("terminal", 7)
