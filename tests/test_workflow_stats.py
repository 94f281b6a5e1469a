"""The team lead's stats on a seeded database with known answers (`tickets stats`), and /stats.

The week of Monday 2 March 2026 (Shanghai time; no holiday that week):
#1 unanswered 社保卡丢了怎么补办   Mon 10:00; 张三 claims 11:00, replies 15:00, closes Tue 10:00;
   rated 非常满意.  First reply 3 working hours, closed in 7.
#2 unanswered 社保卡丢了怎么补办啊？ Mon 14:00; nobody has touched it.
#3 report 路灯坏了               Tue 09:00; 李四 replies Fri 10:00 (accept limit, Wed 18:00,
   met late; answer limit, 5 working days, met), closes Fri 11:00; rated 非常不满意.
   First reply 22 working hours, closed in 23.
#4 cross-district 办理居住证明    Wed 10:00; withdrawn by the resident at 11:00 (no limit counts).
#5 unanswered Where can I park my car  Thu 10:00; 张三 claims at 10:30; never answered.
#6 feedback 答案不对              Thu 16:00, from an answered question (👎); untouched.
#7 unanswered 下周的问题          Mon 9 March: outside the week.
Answers: four questions the knowledge base answered in the week (one became #6, one got 👍),
one clarify.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.store.model import NewTicket, TicketCategory
from bot.store.sqlite import SQLiteTicketStore
from bot.words import WITHDRAWN_NOTE

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZHANG, LI = 42, 43


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


async def seed(path: Path) -> None:
    store = SQLiteTicketStore(path)
    await store.open()
    a, b = f"staff:{ZHANG}", f"staff:{LI}"

    async def new(
        user: int, category: TicketCategory, text: str, at: datetime, answer: int | None = None
    ) -> int:
        ticket, _ = await store.create_ticket(
            NewTicket(user, user, "telegram", category, text, answer_id=answer), at
        )
        return ticket.number

    try:
        answered = [
            await store.record_answer("telegram", 9, 9, f"问题{i}", "entry-x", (), local(2 + i, 9))
            for i in range(4)
        ]
        await store.record_answer("telegram", 9, 9, "模糊的问题", None, (), local(4, 9))
        await store.record_feedback(answered[1], "up", "user:9", local(3, 9, 5))
        await new(1, "unanswered", "社保卡丢了怎么补办", local(2, 10))
        await store.claim(1, a, local(2, 11))
        await store.staff_reply(1, a, "带身份证去社保窗口", local(2, 15))
        await store.close_ticket(1, a, "", local(3, 10))
        await store.rate(1, 1, 5, None, local(3, 11))
        await new(2, "unanswered", "社保卡丢了怎么补办啊？", local(2, 14))
        await new(3, "report", "路灯坏了", local(3, 9))
        await store.staff_reply(3, b, "已报修", local(6, 10))
        await store.close_ticket(3, b, "", local(6, 11))
        await store.rate(3, 3, 1, local(27, 18), local(6, 12))
        await new(4, "cross-district", "办理居住证明", local(4, 10))
        await store.close_ticket(4, "user:4", WITHDRAWN_NOTE, local(4, 11))
        await new(5, "unanswered", "Where can I park my car", local(5, 10))
        await store.claim(5, a, local(5, 10, 30))
        await new(6, "feedback", "答案不对", local(5, 16), answer=answered[0])
        await new(7, "unanswered", "下周的问题", local(9, 10))
    finally:
        await store.close()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "bot.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("STAFF_USER_IDS", f"{ZHANG},{LI}")
    monkeypatch.setenv("STAFF", f"{ZHANG}:张三,{LI}:李四")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    asyncio.run(seed(path))
    return path


def stats(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    code = main(["--env-file", str(db.parent / "none.env"), "tickets", "stats", *args])
    assert code == 0
    return capsys.readouterr().out


WEEK = ("--since", "2026-03-02", "--until", "2026-03-08")


def test_stats_json_has_the_known_answers(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = json.loads(stats(db, capsys, *WEEK, "--json"))
    assert report["since"] == "2026-03-02T00:00:00+08:00"
    assert report["until"] == "2026-03-09T00:00:00+08:00"
    assert report["tickets"] == 6
    assert report["by_category"] == {
        "unanswered": 3,
        "cross-district": 1,
        "human-request": 0,
        "feedback": 1,
        "report": 1,
    }
    assert report["by_status"] == {"open": 2, "claimed": 1, "answered": 0, "closed": 3}
    # Accept: #1 and #5 on time; #2 and #6 never, #3 late; #4 withdrawn before its limit.
    assert report["accepted_on_time"] == {"on_time": 2, "counted": 5, "rate": 0.4}
    # Answer: #1 and #3 on time; #2, #5 and #6 past their limits unanswered.
    assert report["answered_on_time"] == {"on_time": 2, "counted": 5, "rate": 0.4}
    assert report["first_reply_working_hours"] == {"median": 12.5, "p90": 22.0}
    assert report["close_working_hours"] == {"median": 15.0, "p90": 23.0}
    assert report["ratings"] == {"5": 1, "4": 0, "3": 0, "2": 0, "1": 1}
    assert report["satisfaction"] == {"satisfied": 1, "ratings": 2, "rate": 0.5}
    assert report["staff"] == {
        "张三": {"claimed": 2, "staff_reply": 1, "closed": 1},
        "李四": {"staff_reply": 1, "closed": 1},
    }
    # 4 answered (one became #6): 3 without a ticket; questions: 4 answered + 5 filed directly.
    assert report["bot_answered"] == {
        "answered_without_ticket": 3,
        "questions": 9,
        "share": pytest.approx(3 / 9),
    }
    assert report["answer_votes_all_time"] == {"up": 1, "down": 0}
    assert report["top_unanswered"] == [
        {"question": "社保卡丢了怎么补办", "count": 2, "tickets": [1, 2]},
        {"question": "Where can I park my car", "count": 1, "tickets": [5]},
    ]


def test_stats_text_for_the_team_lead(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = stats(db, capsys, *WEEK)
    assert "📊 工单统计 2026-03-02 – 2026-03-08" in out
    assert "按时受理率：40%（2/5）" in out
    assert "首次答复用时（工作小时）：中位数 12.5 · P90 22.0" in out
    assert "满意率（非常满意+满意+基本满意 ÷ 全部评价）：50%（1/2）" in out
    assert "好差评：非常满意 1，满意 0，基本满意 0，不满意 0，非常不满意 1" in out
    assert "  张三：认领 2，办结 1，答复 1" in out
    assert "  2 × 社保卡丢了怎么补办（#1 #2）" in out
    assert out.rstrip().endswith("答案反馈（累计）：👍 1 · 👎 0")


def test_a_month_and_a_day(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--period month with --since: from that day to today; a day with nothing is all zeros."""
    march = json.loads(
        stats(db, capsys, "--since", "2026-03-01", "--until", "2026-03-31", "--json")
    )
    assert march["tickets"] == 7
    quiet = json.loads(
        stats(db, capsys, "--since", "2026-03-07", "--until", "2026-03-07", "--json")
    )
    assert (quiet["tickets"], quiet["accepted_on_time"]["rate"]) == (0, None)


def test_until_alone_runs_from_the_start_of_its_period(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--until 2026-03-06 (a Friday) with the default week: Monday 2 March to that Friday."""
    report = json.loads(stats(db, capsys, "--until", "2026-03-06", "--json"))
    assert (report["since"], report["until"]) == (
        "2026-03-02T00:00:00+08:00",
        "2026-03-07T00:00:00+08:00",
    )
    assert report["tickets"] == 6
    month = json.loads(stats(db, capsys, "--period", "month", "--until", "2026-03-10", "--json"))
    assert (month["since"][:10], month["tickets"]) == ("2026-03-01", 7)
