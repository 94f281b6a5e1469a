"""`python -m bot tickets …`: staff operations from the command line on a real database."""

from __future__ import annotations

import asyncio
import csv
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.store.backend import make_store
from bot.store.model import NewTicket

T0 = datetime.now(UTC) - timedelta(hours=30)


@pytest.fixture
def db(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database (SQLite file or PostgreSQL, DATABASE_URL) with ticket #1 (30 hours old, with a
    phone) and #2 (a fresh feedback ticket); returns a path in the test's folder."""
    path = tmp_path / "bot.db"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)

    async def seed() -> None:
        store = make_store(Settings(database_url=database_url))
        await store.open()
        try:
            await store.create_ticket(
                NewTicket(5, 5, "telegram", "cross-district", "办理居住证明", phone="13812345678"),
                T0,
            )
            await store.create_ticket(
                NewTicket(6, 6, "terminal", "feedback", "答案不对"), datetime.now(UTC)
            )
        finally:
            await store.close()

    asyncio.run(seed())
    return path


def tickets(tmp_path: Path, *args: str) -> int:
    return main(["--env-file", str(tmp_path / "none.env"), "tickets", *args])


def events(path: Path, number: int) -> list[tuple[str, str]]:
    """The ticket's history, read from the database DATABASE_URL names (`path`: unused)."""

    async def read() -> list[tuple[str, str]]:
        store = make_store(Settings(database_url=os.environ["DATABASE_URL"]))
        await store.open()
        try:
            return [(e.kind, e.actor) for e in await store.events(number)]
        finally:
            await store.close()

    return asyncio.run(read())


@pytest.mark.parametrize(
    ("args", "shown", "hidden"),
    [
        ((), ["#2 · 待处理 · 答案反馈", "#1 · 待处理 · 跨区通办 · 30 小时"], []),
        (("--category", "feedback"), ["#2"], ["#1"]),
        (("--older-than", "24"), ["#1"], ["#2"]),
        (("--status", "closed"), ["No tickets."], ["#1", "#2"]),
    ],
)
def test_list_filters(
    db: Path,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    shown: list[str],
    hidden: list[str],
) -> None:
    """list filters by status, category and age (hours)."""
    assert tickets(db.parent, "list", *args) == 0
    out = capsys.readouterr().out
    assert [s in out for s in shown] == [True] * len(shown)
    assert [h in out for h in hidden] == [False] * len(hidden)


def test_show_has_the_full_phone_and_history(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """show N is the one place the full phone number appears."""
    assert tickets(db.parent, "show", "1") == 0
    out = capsys.readouterr().out
    assert "电话：13812345678" in out
    assert "创建 · user:5" in out


def test_not_found_is_a_clear_error(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown ticket: a message on stderr and exit code 1."""
    assert tickets(db.parent, "show", "99") == 1
    assert "Not found: ticket #99 does not exist" in capsys.readouterr().err


def test_claim_reply_close_reopen_as_a_staff_user(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each operation is recorded with the --as actor; a reply to a closed ticket fails."""
    assert tickets(db.parent, "--as", "42", "claim", "1") == 0
    assert tickets(db.parent, "--as", "42", "reply", "1", "材料已送达", "大坪") == 0
    assert tickets(db.parent, "close", "1", "--note", "办结") == 0
    assert tickets(db.parent, "reply", "1", "again") == 1
    assert "reopen it first" in capsys.readouterr().err
    assert tickets(db.parent, "reopen", "1") == 0
    assert events(db, 1) == [
        ("created", "user:5"),
        ("claimed", "staff:42"),
        ("staff_reply", "staff:42"),
        ("closed", "cli"),
        ("reopened", "cli"),
    ]


def test_stats(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Counts by status and category, and the working time to the first reply (the figures
    themselves are checked on a fixed week in tests/test_workflow_stats.py)."""
    tickets(db.parent, "reply", "1", "好的")
    capsys.readouterr()
    since = (T0 - timedelta(days=1)).date().isoformat()
    assert tickets(db.parent, "stats", "--since", since) == 0
    out = capsys.readouterr().out
    assert "新工单：2（待处理 1，处理中 0，已回复 1，已办结 0）" in out
    assert "跨区通办 1" in out
    assert "首次答复用时（工作小时）：中位数 " in out


def test_export_csv_masks_phones(db: Path, tmp_path: Path) -> None:
    """export --csv writes every ticket, phone numbers masked, in UTF-8 with a byte-order
    mark (so Excel reads the Chinese)."""
    target = tmp_path / "out.csv"
    assert tickets(db.parent, "export", "--csv", str(target)) == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbfnumber,")
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["number"], r["category"], r["phone"]) for r in rows] == [
        ("1", "cross-district", "138****5678"),
        ("2", "feedback", ""),
    ]


def test_export_to_stdout(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --csv the CSV goes to stdout."""
    assert tickets(db.parent, "export") == 0
    assert capsys.readouterr().out.startswith("number,created_at,")


def test_purge_removes_old_closed_tickets(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """purge --older-than DAYS deletes closed tickets past that age, not open ones."""
    tickets(db.parent, "close", "2")
    assert tickets(db.parent, "purge", "--older-than", "1") == 0
    assert "Purged 0" in capsys.readouterr().out
    assert tickets(db.parent, "purge", "--older-than", "0") == 0
    assert "Purged 1" in capsys.readouterr().out
    assert tickets(db.parent, "list") == 0
    out = capsys.readouterr().out
    assert ("#1" in out, "#2" in out) == (True, False)


def test_a_missing_database_folder_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A DATABASE_URL pointing into a missing folder is reported, not created. SQLite only: a
    file's folder (test_postgres: an unreachable server)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/missing/bot.db")
    assert tickets(tmp_path, "list") == 1
    assert "does not exist" in capsys.readouterr().err


def test_export_never_writes_a_cell_a_spreadsheet_would_run(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resident's text starting like a formula (=HYPERLINK…, +, -, @) is exported with a
    leading apostrophe, so Excel shows it as text instead of running it."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    formula = '=HYPERLINK("http://evil.example","点这里")'

    async def seed() -> None:
        store = make_store(Settings(database_url=database_url))
        await store.open()
        try:
            await store.create_ticket(NewTicket(7, 7, "telegram", "unanswered", formula), T0)
        finally:
            await store.close()

    asyncio.run(seed())
    target = tmp_path / "out.csv"
    assert tickets(tmp_path, "export", "--csv", str(target)) == 0
    with target.open(encoding="utf-8-sig") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["text"] == "'" + formula
