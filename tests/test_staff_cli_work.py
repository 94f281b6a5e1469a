"""Issue 16 and the issue 15 staff-side bugs in `python -m bot tickets …`, on a seeded real
database: assign / release / note, standard replies (--entry, --snippet), snippets, queues and
search, the CSV export's added columns, purge --dry-run, and an empty reply refused."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.store.model import NewTicket
from bot.store.sqlite import SQLiteTicketStore
from tests.engine_setup import knowledge

STAFF_A, STAFF_B = 42, 43
ENTRY = "yuzhong-building-tiers"


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four tickets on known days (March 2026):
    #1 (day 2, resident 5) 办理居住证明, a follow-up "补充：需要加急", a staff reply "请带身份证"
       (day 3), a note (day 11);
    #2 (day 5, resident 6, English) a question about parking, open;
    #3 (day 9, resident 5) 噪音扰民, closed with the note "已转城管";
    #4 (day 12, resident 7) 路灯坏了, open."""
    path = tmp_path / "bot.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("STAFF_USER_IDS", f"{STAFF_A},{STAFF_B}")
    monkeypatch.setenv("STAFF", f"{STAFF_A}:张三,{STAFF_B}:李四")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)

    async def seed() -> None:
        store = SQLiteTicketStore(path)
        await store.open()
        try:
            await store.create_ticket(
                NewTicket(5, 5, "telegram", "cross-district", "办理居住证明", phone="13812345678"),
                at(2),
            )
            await store.add_followup(1, "user:5", "补充：需要加急", (), at(2, 10))
            await store.staff_reply(1, f"staff:{STAFF_A}", "请带身份证", at(3))
            await store.add_note(1, f"staff:{STAFF_A}", "已预约", at(11))
            await store.create_ticket(
                NewTicket(6, 6, "telegram", "unanswered", "Where can I park?", language="en"),
                at(5),
            )
            await store.create_ticket(NewTicket(5, 5, "telegram", "report", "噪音扰民"), at(9))
            await store.claim(3, f"staff:{STAFF_B}", at(9, 11))
            await store.close_ticket(3, f"staff:{STAFF_B}", "已转城管", at(10))
            await store.create_ticket(NewTicket(7, 7, "telegram", "report", "路灯坏了"), at(12))
        finally:
            await store.close()

    asyncio.run(seed())
    return path


def tickets(path: Path, *args: str) -> int:
    return main(["--env-file", str(path.parent / "none.env"), "tickets", *args])


def listed(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[int]:
    assert tickets(path, "list", *args) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    return [int(line.split(" · ")[0][1:]) for line in out.splitlines() if line.startswith("#")]


def stored(path: Path, read: str) -> list[object]:
    async def go() -> list[object]:
        store = SQLiteTicketStore(path)
        await store.open()
        try:
            return [tuple(r) for r in await store.rows(read)]
        finally:
            await store.close()

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("args", "numbers"),
    [
        ((), [4, 3, 2, 1]),
        (("--search", "加急"), [1]),  # a follow-up
        (("--search", "身份证"), [1]),  # a staff reply
        (("--search", "PARK"), [2]),  # the question, any case
        (("--search", "100%"), []),  # % is a character, not a wildcard
        (("--resident", "5"), [3, 1]),
        (("--since", "2026-03-05", "--until", "2026-03-09"), [3, 2]),
        (("--sort", "oldest"), [1, 2, 3, 4]),
        (("--sort", "updated"), [4, 1, 3, 2]),
        (("--status", "已办结"), [3]),  # the label the list prints
        (("--status", "open"), [4, 2]),
        (("未分配",), [4, 2]),
        (("unassigned", "--resident", "6"), [2]),
        (("all", "--limit", "2"), [4, 3]),
    ],
)
def test_list_filters_and_search(
    db: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], numbers: list[int]
) -> None:
    assert listed(db, capsys, *args) == numbers


def test_mine_is_the_acting_staff_members_queue(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`list mine` (or 我的) lists the tickets the `--as` staff member holds, not closed."""
    assert tickets(db, "--as", str(STAFF_A), "list", "mine") == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("#1 · 已回复")  # held since the reply
    assert tickets(db, "--as", str(STAFF_B), "list", "mine") == 0
    assert capsys.readouterr().out == "No tickets.\n"  # #3 is closed
    assert tickets(db, "--as", str(STAFF_B), "assign", "4", "--to", str(STAFF_A)) == 0
    capsys.readouterr()
    assert tickets(db, "--as", str(STAFF_A), "list", "我的") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" · ")[0] for line in lines] == ["#4", "#1"]
    assert " · 张三 · " in lines[0]


@pytest.mark.parametrize("queue", [("overdue",), ("--overdue",), ("已超时",)])
def test_the_overdue_queue_lists_tickets_past_a_working_day_limit(
    db: Path, capsys: pytest.CaptureFixture[str], queue: tuple[str, ...]
) -> None:
    """Months later, #2 and #4 (never touched by staff) are past their accept-by time, most
    urgent first, each showing the limit and its due time in Shanghai time; #1 was accepted and
    answered, #3 closed: nothing pending."""
    assert tickets(db, "list", *queue) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" · ")[0] for line in lines] == ["#2", "#4"]
    # #2 came on Thursday 5 March: accept by the end of the next working day, Friday 18:00.
    assert "🔴受理 03-06 18:00 已超时" in lines[0]


def test_the_due_queue_is_empty_when_nothing_is_within_the_margin(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tickets(db, "list", "--due") == 0
    assert capsys.readouterr().out.strip() == "No tickets."


def test_rated_bad_lists_until_the_follow_up_is_recorded(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad rating puts #3 in rated-bad; `tickets followup` records the follow-up in the
    history and takes it out; a ticket without a bad rating has no follow-up to record."""

    async def rate() -> None:
        store = SQLiteTicketStore(db)
        await store.open()
        try:
            await store.rate(3, 5, 2, at(31), at(10, 12))
        finally:
            await store.close()

    asyncio.run(rate())
    assert tickets(db, "list", "--rated-bad") == 0
    assert [line.split(" · ")[0] for line in capsys.readouterr().out.splitlines()] == ["#3"]
    assert tickets(db, "--as", str(STAFF_B), "followup", "3", "电话回访，已解释") == 0
    assert "#3 has its follow-up recorded" in capsys.readouterr().out
    assert tickets(db, "list", "差评") == 0
    assert capsys.readouterr().out.strip() == "No tickets."
    assert tickets(db, "show", "3") == 0
    shown = capsys.readouterr().out
    assert "好差评：不满意" in shown
    assert "差评回访 · 李四：电话回访，已解释" in shown
    assert tickets(db, "followup", "1", "x") == 1
    assert "no bad rating" in capsys.readouterr().err


def test_show_has_the_due_times_and_when_they_were_met(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """#1 (Monday 2 March, 17:00 Shanghai) was answered on Tuesday 17:00: accept by Tuesday
    18:00 met, answer by Thursday 18:00 met."""
    assert tickets(db, "show", "1") == 0
    shown = capsys.readouterr().out
    assert "受理时限：2026-03-03 18:00（按时完成，03-03 17:00）" in shown
    assert "答复时限：2026-03-05 18:00（按时完成，03-03 17:00）" in shown


def test_assign_release_reassign_with_names_and_a_private_notice(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """assign --to ID records who and when and queues the assignee's notice; reassigning and
    releasing are in the history; show names staff by their STAFF names."""
    assert tickets(db, "--as", str(STAFF_A), "assign", "2", "--to", str(STAFF_B)) == 0
    assert "#2 assigned to 李四. They are told in a private chat" in capsys.readouterr().out
    assert tickets(db, "--as", str(STAFF_B), "assign", "2", "--to", "张三") == 0
    assert tickets(db, "--as", str(STAFF_A), "release", "2") == 0
    assert tickets(db, "release", "2") == 1
    assert "not assigned" in capsys.readouterr().err
    assert tickets(db, "assign", "2", "--to", "99") == 1
    assert "not in STAFF_USER_IDS" in capsys.readouterr().err
    notices = stored(db, "SELECT chat_id, ticket_number FROM outbox WHERE kind='assignee_notice'")
    assert notices == [(STAFF_B, 2), (STAFF_A, 2)]
    assert tickets(db, "show", "2") == 0
    shown = capsys.readouterr().out
    assert "指派 · 张三：李四" in shown
    assert "指派 · 李四：张三（原负责人 李四）" in shown
    assert "释放 · 张三：张三" in shown
    assert "负责人：（未认领）" in shown


def test_a_note_is_internal(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = stored(db, "SELECT COUNT(*) FROM outbox")
    assert tickets(db, "--as", str(STAFF_A), "note", "4", "已派人查看") == 0
    assert stored(db, "SELECT COUNT(*) FROM outbox") == before  # nothing queued for anyone
    assert tickets(db, "show", "4") == 0
    assert "内部备注 · 张三：已派人查看" in capsys.readouterr().out
    assert tickets(db, "note", "4", " ") == 1


@pytest.mark.parametrize("text", ["", "  "])
def test_an_empty_reply_is_refused(db: Path, capsys: pytest.CaptureFixture[str], text: str) -> None:
    """Issue 15: `tickets reply N ''` sends nothing and says so."""
    assert tickets(db, "reply", "4", text) == 1
    assert "empty" in capsys.readouterr().err
    assert stored(db, "SELECT COUNT(*) FROM outbox") == [(0,)]
    assert stored(db, "SELECT status FROM tickets WHERE number = 4") == [("open",)]


def test_reply_with_a_knowledge_base_entry_in_the_residents_language(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kb, _, _ = knowledge()
    entry = kb.entry(ENTRY)
    assert tickets(db, "reply", "4", "--entry", ENTRY) == 0  # a Chinese resident
    assert tickets(db, "reply", "2", "--entry", ENTRY) == 0  # an English one
    assert entry.answer in capsys.readouterr().out
    queued = dict(stored(db, "SELECT ticket_number, text FROM outbox WHERE kind='to_resident'"))
    assert (entry.answer in str(queued[4]), entry.answer_en in str(queued[2])) == (True, True)
    assert tickets(db, "reply", "4", "--entry", "no-such-entry") == 1


def test_snippets_add_list_use_remove(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert tickets(db, "snippet", "add", "路灯", "已通知市政部门维修，感谢反映。") == 0
    assert tickets(db, "snippet", "list") == 0
    assert "$路灯\t已通知市政部门维修，感谢反映。" in capsys.readouterr().out
    assert tickets(db, "reply", "4", "--snippet", "路灯") == 0
    queued = stored(db, "SELECT text FROM outbox WHERE kind='to_resident' AND ticket_number=4")
    assert "已通知市政部门维修" in str(queued)
    assert tickets(db, "snippet", "remove", "路灯") == 0
    assert tickets(db, "reply", "4", "--snippet", "路灯") == 1
    assert tickets(db, "snippet", "add", "bad name!", "x") == 1


def test_export_carries_times_followups_and_close_notes(db: Path, tmp_path: Path) -> None:
    """Issue 15: the export opens in Excel (BOM) and has claim/close times, follow-ups and
    close notes."""
    target = tmp_path / "out.csv"
    assert tickets(db, "export", "--csv", str(target)) == 0
    assert target.read_bytes()[:3] == b"\xef\xbb\xbf"
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = {r["number"]: r for r in csv.DictReader(handle)}
    assert rows["1"]["followups"] == "补充：需要加急"
    assert rows["1"]["first_reply_at"] == at(3).isoformat()
    assert rows["1"]["assignee_name"] == "张三"
    assert rows["1"]["phone"] == "138****5678"
    assert (rows["3"]["claimed_at"], rows["3"]["closed_at"], rows["3"]["close_notes"]) == (
        at(9, 11).isoformat(),
        at(10).isoformat(),
        "已转城管",
    )
    assert (rows["4"]["claimed_at"], rows["4"]["closed_at"]) == ("", "")
    # #1 came on Monday 2 March at 17:00 Shanghai: accept by Tuesday 18:00, answer by Thursday.
    assert (rows["1"]["accept_due_at"], rows["1"]["answer_due_at"]) == (
        "2026-03-03T10:00:00+00:00",
        "2026-03-05T10:00:00+00:00",
    )
    assert (rows["1"]["rating"], rows["1"]["followed_up_at"]) == ("", "")


def test_export_carries_the_rating_and_its_follow_up(db: Path, tmp_path: Path) -> None:
    async def rate() -> None:
        store = SQLiteTicketStore(db)
        await store.open()
        try:
            await store.rate(3, 5, 1, at(31), at(10, 12))
            await store.add_rating_comment(3, "电话13812345678，没人管", at(10, 13))
        finally:
            await store.close()

    asyncio.run(rate())
    target = tmp_path / "out.csv"
    assert tickets(db, "export", "--csv", str(target)) == 0
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = {r["number"]: r for r in csv.DictReader(handle)}
    assert rows["3"]["rating"] == "1"
    assert rows["3"]["rating_comment"] == "电话138****5678，没人管"
    assert rows["3"]["follow_up_due_at"] == at(31).isoformat()


def test_purge_dry_run_deletes_nothing(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert tickets(db, "purge", "--older-than", "0", "--dry-run") == 0
    assert "Would purge 1 closed tickets" in capsys.readouterr().out
    assert stored(db, "SELECT COUNT(*) FROM tickets") == [(4,)]
    assert tickets(db, "purge", "--older-than", "0") == 0
    assert stored(db, "SELECT COUNT(*) FROM tickets") == [(3,)]
