"""The parts of the learning loop (issue 18) on their own: staff sources in the loader, the
contact-detail check, gaps, owners, and the proposals migration step on an older database."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.cli import main
from bot.config import Settings
from bot.helpdesk.deadlines import load_rules
from bot.helpdesk.stats import weekly_bot_answered
from bot.kb.loader import load_knowledge
from bot.learning.change import Change, StaffSource
from bot.learning.checks import contact_details
from bot.learning.draft import origin_of, without_personal_data
from bot.learning.gaps import group_gaps
from bot.learning.owners import owned_entries
from bot.paths import bundled_dir
from bot.store.backend import make_store
from bot.store.migrations import MIGRATIONS, current_version, migrate
from bot.store.model import NewProposal, NewTicket
from bot.store.proposals import ProposalDecidedError
from bot.store.sqlite import SQLiteTicketStore
from bot.yamlio import DataError
from tests.telegram_harness import shared_knowledge
from tests.test_chat import UNCOVERED, chat

NOW = datetime(2026, 12, 3, 9, tzinfo=UTC)
ENTRY = """
  - id: staff-owned-test
    title: 社区图书馆周末开放
    category: resident
    audience: resident
    questions: [社区图书馆周末开门吗, 社区图书馆星期六开不开, 周末能去社区图书馆不,
                社区图书馆双休日开放吗, 社区图书馆礼拜天开门不, 社区图书馆周末开放时间]
    answer: 社区图书馆周末正常开放，咨询电话 023-63891234。
    source:
{source}
"""


def kb_with(tmp_path: Path, source: str) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(bundled_dir("knowledge"), copy)
    residents = copy / "residents.yaml"
    text = residents.read_text(encoding="utf-8") + ENTRY.format(source=source)
    residents.write_text(text, encoding="utf-8")
    return copy


CONFIRMED = """      - staff: staff:11
        ticket: 4
        date: '2025-11-01'
        owner: 渝中区文化旅游委
        public_number: 023-63891234"""


def test_a_staff_source_with_a_confirmed_public_number_loads(tmp_path: Path) -> None:
    kb = load_knowledge(kb_with(tmp_path, CONFIRMED))
    source = kb.entry("staff-owned-test").staff_source
    assert source is not None
    assert (source.owner, source.ticket, source.date) == ("渝中区文化旅游委", 4, "2025-11-01")
    [owned] = owned_entries(kb, date(2026, 12, 3))
    assert (owned.entry_id, owned.age_days, owned.due) == ("staff-owned-test", 397, True)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (
            CONFIRMED.replace("        owner: 渝中区文化旅游委\n", ""),
            "missing required field 'owner'",
        ),
        (CONFIRMED.replace("        public_number: 023-63891234", ""), "phone number"),
        (CONFIRMED.replace("2025-11-01", "yesterday"), "must be YYYY-MM-DD"),
        (CONFIRMED.replace("ticket: 4", "ticket: four"), "'ticket'"),
    ],
    ids=["no owner", "unconfirmed number", "bad date", "bad ticket"],
)
def test_a_staff_source_needs_its_fields(tmp_path: Path, source: str, problem: str) -> None:
    """The owner is required (谁提供谁维护); a phone number needs the owner's confirmation."""
    with pytest.raises(DataError) as caught:
        load_knowledge(kb_with(tmp_path, source))
    assert problem in str(caught.value)
    assert "staff-owned-test" in str(caught.value)


def test_contact_details_in_a_staff_answer_are_flagged_unless_confirmed() -> None:
    answer = "请致电 023-63891234 或 13812345678，或发邮件到 a@b.cn，网址 www.example.com"
    staff = StaffSource("staff:1", 1, "2026-12-03", "区民政局", public_number="023-63891234")
    change = Change("entry", "x", ("q",), answer=answer, sources=(staff,))
    found = contact_details(change)
    assert {"13812345678", "a@b.cn", "www."} <= set(found)
    assert "023-63891234" not in found
    unconfirmed = Change("entry", "x", ("q",), answer=answer)
    assert "023-63891234" in contact_details(unconfirmed)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("我电话13812345678，社区图书馆周末开门吗", "社区图书馆周末开门吗"),
        ("身份证110101199003071234能办居住证吗", "身份证能办居住证吗"),  # one clause: cut out
        ("社区食堂在哪；联系我 a.b@example.com", "社区食堂在哪"),
        ("暖新驿站有哪些服务", "暖新驿站有哪些服务"),
    ],
)
def test_personal_data_is_removed_from_questions(text: str, kept: str) -> None:
    assert without_personal_data(text) == kept


async def test_gaps_group_similar_tickets_largest_first(database_url: str) -> None:
    store = make_store(Settings(database_url=database_url))
    await store.open()
    try:
        for user, text in enumerate(
            (
                "社区图书馆周末开门吗",
                "江北区的停车场收费吗",
                "社区图书馆周末开不开门",
                "社区图书馆周末开门不",
            )
        ):
            await store.create_ticket(NewTicket(user, user, "telegram", "unanswered", text), NOW)
        await store.staff_reply(3, "staff:1", "周末开放", NOW)
        gaps = group_gaps(await store.tickets(), shared_knowledge())
    finally:
        await store.close()
    assert [[t.number for t in g.tickets] for g in gaps] == [[1, 3, 4], [2]]
    assert gaps[0].best.number == 3  # the one with a staff answer


async def test_the_proposals_step_adds_proposals_to_an_older_database(tmp_path: Path) -> None:
    """A database at step 6 keeps its tickets through every later step and gains the proposals
    table; a proposal is decided once. SQLite only: an old SQLite file carried forward
    (test_postgres carries a PostgreSQL database of step 5 to the last step)."""
    path = tmp_path / "bot.db"
    db = await aiosqlite.connect(path, isolation_level=None)
    try:
        assert await migrate(db, MIGRATIONS[:6]) == [1, 2, 3, 4, 5, 6]
        await db.execute(
            "INSERT INTO tickets (created_at, updated_at, user_id, chat_id, channel, category,"
            " text) VALUES ('2026-03-01T09:00:00+00:00', '2026-03-01T09:00:00+00:00', 5, 5,"
            " 'telegram', 'unanswered', '旧问题')"
        )
    finally:
        await db.close()
    store = SQLiteTicketStore(path)
    await store.open()
    try:
        assert await current_version(store.db) == MIGRATIONS[-1][0]
        assert (await store.ticket(1)).text == "旧问题"
        number = await store.add_proposal(
            NewProposal("wording", "ticket", 1, "nuanxin-yizhan", "{}", "staff:1"), NOW
        )
        decided = await store.decide_proposal(number, "rejected", "staff:2", "重复", NOW)
        assert (decided.status, decided.reviewer, decided.why) == ("rejected", "staff:2", "重复")
        with pytest.raises(ProposalDecidedError):
            await store.decide_proposal(number, "approved", "staff:3", "", NOW)
    finally:
        await store.close()


async def test_forgetting_a_resident_deletes_the_proposals_not_approved(database_url: str) -> None:
    """On a deletion request, proposals from the resident's tickets go unless approved (an
    approved one is knowledge now, without personal data)."""
    store = make_store(Settings(database_url=database_url))
    await store.open()
    try:
        ticket, _ = await store.create_ticket(NewTicket(5, 5, "telegram", "unanswered", "问"), NOW)
        new = NewProposal("wording", "ticket", ticket.number, "nuanxin-yizhan", "{}", "staff:1")
        kept = await store.add_proposal(new, NOW)
        await store.decide_proposal(kept, "approved", "staff:2", "", NOW)
        gone = await store.add_proposal(new, NOW)
        erasure = await store.forget_resident(5, "cli", NOW)
        assert erasure.counts["kb_proposals"] == 1
        assert [p.number for p in await store.proposals()] == [kept]
        assert gone != kept
    finally:
        await store.close()


@pytest.mark.slow
def test_teach_in_the_terminal_chat_and_the_author_refused(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`chat --as-staff`: /teach proposes from a ticket of this chat, /approve by the same
    person is refused and nothing is written."""
    copy = tmp_path / "knowledge"
    shutil.copytree(bundled_dir("knowledge"), copy)
    monkeypatch.setenv("KB_DIR", str(copy))
    before = (copy / "residents.yaml").read_text(encoding="utf-8")
    script = f"{UNCOVERED}\n/teach 1 #nuanxin-yizhan\n/approve 1\n"
    result = chat(tmp_path, script, "--as-staff", database_url=database_url)
    assert "P1" in result.stdout
    assert "P1 是您提出的，须由另一位工作人员审核" in result.stdout
    assert (copy / "residents.yaml").read_text(encoding="utf-8") == before


async def test_stats_show_the_answered_share_per_week(database_url: str) -> None:
    """`stats`: per ISO week, questions answered from the knowledge base without a ticket
    against all questions (the measured effect of the learning loop)."""
    store = make_store(Settings(database_url=database_url))
    await store.open()
    week_49 = NOW  # Thursday 3 December 2026
    week_50 = datetime(2026, 12, 8, 9, tzinfo=UTC)
    try:
        await store.create_ticket(NewTicket(1, 1, "telegram", "unanswered", "甲"), week_49)
        for at, entry in (
            (week_49, "nuanxin-yizhan"),
            (week_50, "nuanxin-yizhan"),
            (week_50, None),
        ):
            await store.record_answer("telegram", 1, 1, "问", entry, (), at)
        weeks = await weekly_bot_answered(store, load_rules(Settings()), week_50, weeks=2)
    finally:
        await store.close()
    assert weeks == [("2026-W49", (1, 2)), ("2026-W50", (1, 1))]


@pytest.mark.parametrize(
    ("category", "key", "origin"),
    [
        ("feedback", "telegram:7:12:why:3", "thumbs-down"),
        ("unanswered", "telegram:7:12:none:3", "none-of-these"),
        ("unanswered", "telegram:7:12", "ticket"),
        ("human-request", None, "ticket"),
    ],
)
async def test_a_proposal_knows_where_its_ticket_came_from(
    database_url: str, category: str, key: str | None, origin: str
) -> None:
    """👎 (a feedback ticket), 都不是 / 不是 (a `none:` tap), or any other ticket."""
    store = make_store(Settings(database_url=database_url))
    await store.open()
    try:
        new = NewTicket(7, 7, "telegram", category, "问", idempotency_key=key)  # type: ignore[arg-type]
        ticket, _ = await store.create_ticket(new, NOW)
        assert origin_of(await store.ticket(ticket.number)) == origin
    finally:
        await store.close()


def test_kb_gaps_prints_each_group_of_the_week_with_its_proposal_command(
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The weekly list: this week's tickets grouped, largest first; `--days 0` takes all."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    now = datetime.now(UTC)
    filed = (
        ("社区图书馆周末开门吗", now),
        ("社区图书馆周末开门不", now),
        ("停车场收费吗", now),
        ("停车场收不收费", now - timedelta(days=30)),
    )

    async def seed() -> None:
        store = make_store(Settings(database_url=database_url))
        await store.open()
        try:
            for user, (text, at) in enumerate(filed):
                await store.create_ticket(NewTicket(user, user, "telegram", "unanswered", text), at)
            await store.staff_reply(2, "staff:1", "开", now)
        finally:
            await store.close()

    asyncio.run(seed())
    assert main(["--env-file", str(tmp_path / "none.env"), "kb", "gaps"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "2 × 社区图书馆周末开门吗  (#1 #2)",
        "    python -m bot kb propose --from-ticket 2",
        "1 × 停车场收费吗  (#3)",
        "    python -m bot kb propose --from-ticket 3",
    ]
    assert main(["--env-file", str(tmp_path / "none.env"), "kb", "gaps", "--days", "0"]) == 0
    assert "2 × 停车场收费吗  (#3 #4)" in capsys.readouterr().out
