"""Hostile and broken input at the engine: forged buttons, staff commands with wrong arguments,
staff commands from everyone else, and SQL metacharacters in every text field."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.dialogue.engine import Engine
from bot.messages import Incoming, Speaker, display_name
from bot.store.backend import Store
from bot.store.postgres_database import NUL_STANDIN
from tests.engine_setup import Clock, make_engine, text
from tests.factories import (
    ENGINE_STAFF_CHAT_ID,
    ENGINE_STAFF_ID,
    RESIDENT_ID,
    make_choice,
    make_command,
    make_speaker,
    make_text,
)

UNCOVERED = "火星上明天的天气预报是什么"
STAFF_IN_GROUP = Speaker(ENGINE_STAFF_ID, ENGINE_STAFF_CHAT_ID, "值班", "zh", "telegram")
FAR = datetime(2100, 1, 1, tzinfo=UTC)
BOT = Path(__file__).resolve().parent.parent / "bot"


@pytest.fixture
async def engine(store: Store) -> Engine:
    """An engine with ticket #1 filed by the resident."""
    engine = make_engine(store, Clock())
    assert (await engine.handle(make_text(UNCOVERED))).ticket_number == 1
    return engine


async def snapshot(store: Store) -> list[object]:
    """The rows of every table but the record of processed messages and chat state."""
    found: list[object] = []
    for table in ("tickets", "events", "outbox", "answers", "attachments", "staff_posts"):
        found.append([tuple(r) for r in await store.rows(f"SELECT * FROM {table}")])
    return found


FORGED = [
    "claim:999999",
    "close:abc",
    "pick:../../etc/passwd",
    "cat:'; DROP TABLE tickets; --",
    "fb:up:99999999999999999999",
    "fb:sideways:1",
    "fb:up:",
    "fb:up:²",  # a digit to str.isdigit, not to int()
    "add:٣",  # an Arabic-Indic digit
    "human:-1",
    "none:1.5",
    "add:1 OR 1=1",
    "tb:../jlp",
    "tb:skip",  # not at the phone step
    "x" * 200,
    "pick:" + "界" * 66,  # 200 bytes of UTF-8
    "fb:up:1\x00",
    "",
    ":",
    "menu:",
    "\ud800",  # a lone surrogate: what a JSON "\\ud800" escape decodes to
]


@pytest.mark.parametrize("data", FORGED, ids=range(len(FORGED)))
async def test_forged_button_data_is_expired_or_refused_and_changes_nothing(
    store: Store, engine: Engine, data: str
) -> None:
    """Any forged or oversized button data: one polite reply (expired, or the staff refusal),
    no exception, nothing written."""
    before = await snapshot(store)
    outcome = await engine.handle(make_choice(data))
    assert outcome.notes in (("expired",), ("refused",))
    assert text(outcome).strip()
    assert await snapshot(store) == before


@pytest.mark.parametrize("data", ["claim:999999", "close:abc", "claim:²", "close:" + "9" * 40])
async def test_forged_staff_buttons_from_staff_change_nothing(
    store: Store, engine: Engine, data: str
) -> None:
    """Staff tapping forged data: a clear answer (no such ticket, or expired), nothing written."""
    before = await snapshot(store)
    outcome = await engine.handle(make_choice(data, STAFF_IN_GROUP))
    assert outcome.notes[0] in ("staff_not_found", "staff_usage", "expired")
    assert await snapshot(store) == before


WRONG_ARGUMENTS = [
    ("/reply abc", "staff_usage"),
    ("/reply", "staff_usage"),
    ("/reply 1", "staff_usage"),
    ("/reply 1    ", "staff_usage"),
    ("/reply 999999 hi", "staff_not_found"),
    ("/close", "staff_usage"),
    ("/close abc note", "staff_usage"),
    ("/ticket -1", "staff_usage"),
    ("/ticket 0", "staff_not_found"),
    ("/reopen 1.5", "staff_usage"),
    ("/claim ²", "staff_usage"),
    ("/claim ٣", "staff_usage"),
    ("/claim " + "9" * 30, "staff_usage"),
    ("/claim 1e3", "staff_usage"),
    ("/ticket #", "staff_usage"),
    ("/reopen 1", "staff_invalid"),  # it is not closed
]


@pytest.mark.parametrize(("command", "note"), WRONG_ARGUMENTS)
async def test_staff_commands_with_wrong_arguments_explain_and_change_nothing(
    store: Store, engine: Engine, command: str, note: str
) -> None:
    """A usage line (or "no ticket #N", or why not), never an exception; nothing written."""
    before = await snapshot(store)
    outcome = await engine.handle(make_command(command, STAFF_IN_GROUP))
    assert outcome.notes == (note,)
    if note == "staff_usage":
        assert text(outcome).startswith("用法：/")
    assert await snapshot(store) == before


NON_STAFF_INPUTS = [
    ("command", "/ticket {n}"),
    ("command", "/claim {n}"),
    ("command", "/reply {n} 我冒充工作人员"),
    ("command", "/close {n} 关掉"),
    ("command", "/reopen {n}"),
    ("command", "/tickets all"),
    ("command", "/stats"),
    ("choice", "claim:{n}"),
    ("choice", "close:{n}"),
]


@pytest.mark.parametrize(("kind", "template"), NON_STAFF_INPUTS)
async def test_non_staff_get_the_same_refusal_whether_or_not_the_ticket_exists(
    store: Store, engine: Engine, kind: str, template: str
) -> None:
    """Staff commands and buttons from a resident, for ticket #1 (theirs) and #999 (none): the
    same neutral refusal, nothing written."""
    before = await snapshot(store)
    stranger = make_speaker(202)
    answers = []
    for speaker in (make_speaker(RESIDENT_ID), stranger):
        for number in (1, 999):
            value = template.format(n=number)
            incoming = (
                make_command(value, speaker) if kind == "command" else make_choice(value, speaker)
            )
            outcome = await engine.handle(incoming)
            answers.append((outcome.replies, outcome.notes, outcome.ticket_number))
    assert answers == [answers[0]] * 4
    assert answers[0][1] == ("refused",)
    assert await snapshot(store) == before


PAYLOADS = [
    "'; DROP TABLE tickets; --",
    '" OR 1=1 --',
    "100% _sure_ %' OR '1'='1",
    "Robert'); DELETE FROM events WHERE ('1'='1",
    "nul\x00byte",
    "back\\slash \\' \\\"",
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
async def test_sql_metacharacters_in_every_text_field_are_stored_verbatim(
    store: Store, backend: str, payload: str
) -> None:
    """Question, display name, 通办 matter, staff reply, close note and follow-up: each read
    back exactly as written (on PostgreSQL, whose text cannot hold NUL, a NUL reads back as
    U+FFFD); every table still there and the file intact."""

    def kept(text: str) -> str:
        return text.replace("\x00", NUL_STANDIN) if backend == "postgres" else text

    engine = make_engine(store, Clock())
    tables = await table_names(store)
    resident = Speaker(RESIDENT_ID, RESIDENT_ID, f"名{payload}", "zh", "telegram")

    question = f"{UNCOVERED}{payload}"
    asked = await engine.handle(Incoming(resident, "text", text=question, message_id=1))
    assert asked.notes == ("ticket",), text(asked)
    ticket = await store.ticket(asked.ticket_number or 0)
    assert (ticket.text, ticket.name) == (kept(question), kept(display_name(f"名{payload}")))

    await engine.handle(make_command(f"/reply 1 回复{payload}？", STAFF_IN_GROUP))
    assert (await store.ticket(1)).last_staff_reply == kept(f"回复{payload}？")
    followed = await engine.handle(Incoming(resident, "text", text=f"补充{payload}", message_id=2))
    assert followed.notes == ("followup_saved",)
    await engine.handle(make_command(f"/close 1 备注{payload}", STAFF_IN_GROUP))
    history = [(e.kind, e.text) for e in await store.events(1)]
    assert ("resident_followup", kept(f"补充{payload}")) in history
    assert ("closed", kept(f"备注{payload}")) in history
    assert any(kept(f"回复{payload}？") in m.text for m in await store.due_messages(FAR))

    for step in ("/tongban", "tb:yz", f"办证明{payload}", payload):
        incoming = (
            Incoming(resident, "choice", choice=step, message_id=None)
            if step.startswith("tb:")
            else Incoming(resident, "text", text=step, message_id=None)
        )
        outcome = await engine.handle(incoming)
    assert outcome.notes == ("tongban_phone",)  # the payload is not a phone number
    done = await engine.handle(Incoming(resident, "choice", choice="tb:skip"))
    cross = await store.ticket(done.ticket_number or 0)
    assert cross.text.startswith(kept(f"跨区通办：办证明{payload}\n"))
    assert cross.phone is None

    assert await table_names(store) == tables
    if backend == "sqlite":
        [check] = await store.rows("PRAGMA integrity_check")
        assert check[0] == "ok"


async def table_names(store: Store) -> list[str]:
    """Every table in the database, by name."""
    if store.dialect.name == "sqlite":
        rows = await store.rows("SELECT name FROM sqlite_master ORDER BY name")
    else:
        rows = await store.rows(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
    return [r[0] for r in rows]


def sql_built_from_values() -> list[str]:
    """Calls that run SQL (execute, row, rows, executemany, executescript) whose statement is an
    f-string, `%` or `.format`, outside the allowed places (constants, not values)."""
    allowed = {
        ("database.py", "PRAGMA {pragma}"),  # PRAGMAs passed in by code, never by a person
        ("database.py", "PRAGMA busy_timeout = {int(self.busy_timeout_ms)}"),
    }
    found = []
    for path in sorted(BOT.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in ("execute", "row", "rows", "executemany", "executescript"):
                continue
            if not node.args:
                continue
            statement = node.args[0]
            built = (
                isinstance(statement, ast.JoinedStr)
                or (isinstance(statement, ast.BinOp) and isinstance(statement.op, ast.Mod))
            ) or (
                isinstance(statement, ast.Call)
                and isinstance(statement.func, ast.Attribute)
                and statement.func.attr == "format"
            )
            if built:
                source = ast.get_source_segment(path.read_text(encoding="utf-8"), statement) or ""
                if (path.name, source.strip("f\"'")) not in allowed:
                    found.append(f"{path.name}:{node.lineno}: {source}")
    return found


def test_no_sql_statement_is_built_from_values() -> None:
    """Parameterised queries everywhere: no statement text assembled from a value."""
    assert sql_built_from_values() == []
