"""Retention: `python -m bot tickets purge --older-than DAYS` (default RETENTION_DAYS) deletes
closed tickets past that age with everything about them, and the conversation records (answers
shown, chat state, sent messages, processed messages) older than it; open tickets stay."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.messages import Speaker
from bot.store.backend import Store, make_store
from bot.store.model import NewTicket
from tests.engine_setup import T0, Clock, data, make_engine
from tests.factories import (
    ENGINE_STAFF_CHAT_ID,
    ENGINE_STAFF_ID,
    make_choice,
    make_command,
    make_photo,
    make_text,
)
from tests.stored import opened

UNCOVERED = ["火星上明天的天气预报是什么", "月球背面有没有快递柜", "深海鱼会不会失眠"]
COVERED = "渝中区有多少栋建成楼宇"
STAFF_IN_GROUP = Speaker(ENGINE_STAFF_ID, ENGINE_STAFF_CHAT_ID, "值班", "zh", "telegram")


async def rows(store: Store, table: str) -> list[dict[str, object]]:
    return [dict(r) for r in await store.rows(f"SELECT * FROM {table}")]  # names: RESIDENT_TABLES


async def test_purge_removes_a_closed_ticket_and_everything_about_it(
    store: Store,
) -> None:
    """An old closed ticket goes with its events, attachments, staff posts and messages; an old
    open ticket and a recently closed one stay; old answers, chat states and processed-message
    records go, newer ones stay."""
    clock = Clock()
    engine = make_engine(store, clock)
    await engine.handle(make_photo("photo-file-1", "井盖坏了"))  # ticket 1, a report
    await engine.handle(make_choice("add:1"))
    await engine.handle(make_text(f"{UNCOVERED[0]}，在大坪"))  # a follow-up with text
    answer = await engine.handle(make_text(COVERED))
    await engine.handle(make_choice(next(d for d in data(answer) if d.startswith("fb:up:"))))
    [post] = [m for m in await store.due_messages(T0 + timedelta(days=1)) if m.kind == "staff_post"]
    await store.mark_sent(post.id, 7001)
    await engine.handle(make_command("/reply 1 已派人处理", STAFF_IN_GROUP))
    await engine.handle(make_command("/close 1 已修好", STAFF_IN_GROUP))
    await engine.handle(make_text(UNCOVERED[1], Speaker(202, 202, "乙")))  # ticket 2, stays open
    for message in await store.due_messages(T0 + timedelta(days=1)):
        await store.mark_sent(message.id, None)

    clock.now = T0 + timedelta(days=400)
    await engine.handle(make_text(UNCOVERED[2], Speaker(303, 303, "丙")))  # ticket 3, recent
    await engine.handle(make_command("/close 3", STAFF_IN_GROUP))
    await engine.handle(make_text(COVERED, Speaker(303, 303, "丙")))  # a recent answer

    purged = await store.purge(T0 + timedelta(days=365))

    assert purged == 1
    assert [t.number for t in await store.tickets()] == [3, 2]
    for table in ("events", "attachments", "outbox", "staff_posts"):
        assert all(r.get("ticket_number") != 1 for r in await rows(store, table)), table
    assert [r["chat_id"] for r in await rows(store, "answers")] == [303]  # the old one went
    # its 👍 (an event of the answer) went too, but is still counted (issue 15: purge keeps
    # vote counts)
    assert all(r.get("answer_id") is None for r in await rows(store, "events"))
    assert (await store.stats()).feedback == {"up": 1}
    assert [r["chat_id"] for r in await rows(store, "chat_state")] == [303]
    assert {r["chat_id"] for r in await rows(store, "processed_messages")} == {
        303,
        ENGINE_STAFF_CHAT_ID,
    }
    assert len(await store.events(2)) == 1  # the open ticket keeps its history


async def seed(url: str, closed_days_ago: int) -> None:
    store = make_store(Settings(database_url=url))
    await store.open()
    try:
        now = datetime.now(UTC)
        then = now - timedelta(days=closed_days_ago)
        await store.create_ticket(NewTicket(5, 5, "telegram", "unanswered", "旧问题"), then)
        await store.close_ticket(1, "staff:1", "", then)
        await store.create_ticket(NewTicket(6, 6, "telegram", "unanswered", "未办结"), then)
    finally:
        await store.close()


def purge(tmp_path: Path, *args: str) -> int:
    return main(["--env-file", str(tmp_path / "none.env"), "tickets", "purge", *args])


@pytest.mark.parametrize(("retention_days", "purged"), [("40", 0), ("20", 1)])
def test_purge_defaults_to_retention_days(
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    retention_days: str,
    purged: int,
) -> None:
    """Without --older-than, RETENTION_DAYS decides: a ticket closed 30 days ago stays under a
    40-day retention and goes under a 20-day one; the open one stays either way."""
    asyncio.run(seed(database_url, closed_days_ago=30))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RETENTION_DAYS", retention_days)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert purge(tmp_path) == 0
    out = capsys.readouterr().out
    assert f"Purged {purged} closed tickets older than {retention_days} days." in out


@pytest.mark.parametrize("days", ["-1", "abc", "1.5", "٣"])
def test_purge_refuses_a_bad_age(
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    days: str,
) -> None:
    """A negative or non-whole age (a negative one would purge tickets closed today) is a usage
    error; nothing is deleted."""
    asyncio.run(seed(database_url, closed_days_ago=0))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    with pytest.raises(SystemExit) as stopped:
        purge(tmp_path, "--older-than", days)
    assert stopped.value.code == 2
    assert "whole number of days" in capsys.readouterr().err

    async def count() -> int:
        async with opened(database_url) as store:
            return len(await store.tickets())

    assert asyncio.run(count()) == 2
