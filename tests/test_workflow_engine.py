"""The workflow through the engine and the CLI on a real SQLite file: the comment after a
rating (and a new question that is not one), staff usage and refusals, `tickets calendar`, the
retired SLA_HOURS warning and a broken time-limit file at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import SLA_HOURS_RETIRED, Settings
from bot.dialogue.engine import Engine
from bot.helpdesk.deadlines import load_rules
from bot.messages import Speaker
from bot.store.backend import Store
from bot.store.database import utcnow
from tests.engine_setup import Clock, data, make_engine, text
from tests.factories import (
    ENGINE_STAFF_CHAT_ID,
    ENGINE_STAFF_ID,
    make_choice,
    make_command,
    make_text,
)
from tests.fake_bot_api import FakeBotApi
from tests.telegram_harness import BotProcess, running_service, service_env, service_settings

UNCOVERED = "火星上明天的天气预报是什么"
COVERED_QUESTION = "楼小二是做什么的？"
STAFF = Speaker(ENGINE_STAFF_ID, ENGINE_STAFF_CHAT_ID, "王芳", "zh", "telegram")


@pytest.fixture
async def engine(store: Store) -> Engine:
    """Ticket #1 answered and closed by staff, so the resident may rate it."""
    engine = make_engine(store, Clock())
    assert (await engine.handle(make_text(UNCOVERED))).ticket_number == 1
    await engine.handle(make_command("/reply 1 火星天气我们查不到。", STAFF))
    await engine.handle(make_command("/close 1", STAFF))
    return engine


async def test_the_line_after_a_rating_is_its_comment(store: Store, engine: Engine) -> None:
    rated = await engine.handle(make_choice("rate:1:3"))
    assert data(rated) == ["rateskip:1"]
    saved = await engine.handle(make_text("态度不错，就是慢了点"))
    assert saved.notes == ("rating_comment",)
    assert (await store.rating(1)).comment == "态度不错，就是慢了点"
    # Not a bad rating: staff are not told.
    notices = [m for m in await store.due_messages(utcnow()) if m.kind == "staff_notice"]
    assert notices == []


async def test_a_covered_question_after_a_rating_is_answered_not_kept_as_a_comment(
    store: Store, engine: Engine
) -> None:
    await engine.handle(make_choice("rate:1:5"))
    answered = await engine.handle(make_text(COVERED_QUESTION))
    assert "answer" in answered.notes
    assert (await store.rating(1)).comment is None


@pytest.mark.parametrize("message", ["我要找真人客服", "你好"])
async def test_a_request_after_a_rating_is_handled_not_kept_as_a_comment(
    store: Store, engine: Engine, message: str
) -> None:
    await engine.handle(make_choice("rate:1:5"))
    handled = await engine.handle(make_text(message))
    assert "rating_comment" not in handled.notes
    assert (await store.rating(1)).comment is None


async def test_thanks_after_a_rating_is_its_comment(store: Store, engine: Engine) -> None:
    await engine.handle(make_choice("rate:1:5"))
    assert (await engine.handle(make_text("谢谢你们"))).notes == ("rating_comment",)


async def test_no_thanks_ends_the_rating(store: Store, engine: Engine) -> None:
    await engine.handle(make_choice("rate:1:4"))
    done = await engine.handle(make_choice("rateskip:1"))
    assert text(done) == "好的，谢谢您的评价！"
    later = await engine.handle(make_text("谢谢"))
    assert "rating_comment" not in later.notes


async def test_a_rating_out_of_range_or_on_an_open_ticket_is_an_expired_button(
    engine: Engine,
) -> None:
    assert (await engine.handle(make_choice("rate:1:9"))).notes == ("expired",)
    await engine.handle(make_text("另一个没人知道的问题：月亮上的停车场"))
    assert (await engine.handle(make_choice("rate:2:5"))).notes == ("expired",)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/stats year", "用法：/stats [day|week|month]"),
        ("/followup 1 已回访", "工单 #1 没有差评，不需要回访记录。"),
        ("/followup 1", "用法：/followup N 回访情况"),
        ("/followup 99 x", "没有工单 #99。"),
    ],
)
async def test_staff_usage_and_refusals(engine: Engine, command: str, expected: str) -> None:
    assert text(await engine.handle(make_command(command, STAFF))) == expected


def test_tickets_calendar_names_each_years_source(
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """This year and the next: where their working days come from, and a warning (file and
    line) for a year nobody knows, as `load_rules(...).calendar` decides."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("HOLIDAYS_FILE", raising=False)
    assert main(["--env-file", str(tmp_path / "none.env"), "tickets", "calendar"]) == 0
    out = capsys.readouterr().out
    calendar = load_rules(Settings()).calendar
    years = calendar.years_in_use(utcnow())
    for year in years:
        assert f"{year}: {calendar.source(year)}" in out
    warnings = calendar.warnings(years)
    for problem in warnings:
        assert f"warning: {problem}" in out
    assert out.strip().endswith("calendar: OK" if not warnings else f"{len(warnings)} warning(s)")


@pytest.mark.slow
@pytest.mark.usefixtures("service_backend")
async def test_a_broken_time_limit_file_stops_start_up_with_its_line(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """`python -m bot run` with a limit of 0 days: exit 1, the file and line in the log."""
    path = tmp_path / "limits.yaml"
    path.write_text("categories:\n  report: {accept: 0, answer: 5}\n", encoding="utf-8")
    bot = BotProcess(service_env(api, tmp_path, TIME_LIMITS_FILE=str(path)), tmp_path / "log")
    assert await bot.wait() == 1
    assert f"{path}:2" in bot.log()


@pytest.mark.slow
@pytest.mark.usefixtures("service_backend")
async def test_a_set_sla_hours_is_warned_about_at_start_up(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_service(service_settings(api, tmp_path, SLA_HOURS="24")):
        await api.wait_for(lambda: api.of("getUpdates"), what="polling")
    assert SLA_HOURS_RETIRED in caplog.text
