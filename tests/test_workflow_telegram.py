"""Issue 16's workflow over the real Application and the fake Bot API: 好差评 after close (the
five buttons, a comment, a bad rating's follow-up task in rated-bad until /followup), a rating
accepted once, a forged rating callback for another resident's ticket refused, a withdrawn
ticket not rated, English buttons on an English chat; due times on the staff post and in
/ticket; the grouped time-limit reminder; the calendar warning posted once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.helpdesk.deadlines import load_rules
from bot.store.backend import make_store
from bot.store.database import utcnow
from bot.store.model import NewTicket
from bot.transport.handlers import Runtime
from bot.words import expired_text
from tests.factories import (
    STAFF_CHAT_ID,
    STAFF_USER_ID,
    make_callback_update,
    make_command_update,
    make_text_update,
)
from tests.fake_bot_api import Call, FakeBotApi
from tests.telegram_harness import (
    next_to,
    replies_markup,
    running_service,
    service_settings,
    text_of,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("service_backend")]

RESIDENT = 5201
OTHER = 5202
UNCOVERED = "我的社保卡丢了怎么补办"
RATE_BUTTONS = [f"rate:1:{r}" for r in (5, 4, 3, 2, 1)]


@pytest.fixture
async def service(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Runtime]:
    async with running_service(
        service_settings(api, tmp_path, STAFF=f"{STAFF_USER_ID}:张三")
    ) as rt:
        yield rt


def in_group(text: str) -> dict[str, object]:
    return make_command_update(STAFF_USER_ID, text, chat_id=STAFF_CHAT_ID)


async def answered_and_closed(api: FakeBotApi, language: str = "zh-hans") -> Call:
    """A ticket #1 filed, answered and closed by staff; the resident's close notice."""
    question = UNCOVERED if language.startswith("zh") else "How do I replace my lost social card?"
    await next_to(api, RESIDENT, make_text_update(RESIDENT, question, language=language))
    await next_to(api, STAFF_CHAT_ID, in_group("/reply 1 请带身份证到社保窗口补办。"))
    await api.wait_for(lambda: len(api.sent(RESIDENT)) >= 2, what="the reply")
    return await next_to(api, RESIDENT, in_group("/close 1"))


async def test_rating_a_closed_ticket_end_to_end(api: FakeBotApi, service: Runtime) -> None:
    """Five buttons under the close notice; 不满意 thanks the resident, promises a follow-up
    within 15 working days, tells the group; the comment is kept and shown to staff; the
    ticket is in rated-bad until /followup, which the history records; a second rating is
    refused."""
    notice = await answered_and_closed(api)
    assert "已办结" in text_of(notice)
    assert replies_markup(notice.params) == RATE_BUTTONS
    labels = [b["text"] for row in notice.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]

    group_before = len(api.sent(STAFF_CHAT_ID))
    thanks = await next_to(
        api, RESIDENT, make_callback_update(RESIDENT, "rate:1:2", message=notice.result)
    )
    assert "谢谢您的评价：不满意。" in text_of(thanks)
    assert "15 个工作日内回访" in text_of(thanks)
    assert replies_markup(thanks.params) == ["rateskip:1"]
    alert = await api.wait_for(
        lambda: [t for t in api.texts(STAFF_CHAT_ID)[group_before:] if "收到差评" in t],
        what="the bad rating in the group",
    )
    assert "工单 #1 收到差评：不满意" in alert[0]

    saved = await next_to(api, RESIDENT, make_text_update(RESIDENT, "等了太久，电话13812345678"))
    assert "已记下您对工单 #1 的意见" in text_of(saved)
    comment = await api.wait_for(
        lambda: [t for t in api.texts(STAFF_CHAT_ID) if "补充意见" in t], what="the comment"
    )
    assert "等了太久" in comment[0]
    assert "13812345678" not in comment[0]

    listed = await next_to(api, STAFF_CHAT_ID, in_group("/tickets 差评"))
    assert text_of(listed).startswith("#1 · 已办结")
    done = await next_to(api, STAFF_CHAT_ID, in_group("/followup 1 已电话回访，居民表示理解"))
    assert "已记录 #1 的差评回访" in text_of(done)
    empty = await next_to(api, STAFF_CHAT_ID, in_group("/tickets rated-bad"))
    assert text_of(empty) == "没有符合条件的工单。"
    shown = text_of(await next_to(api, STAFF_CHAT_ID, in_group("/ticket 1")))
    assert "好差评：不满意（意见：等了太久" in shown
    assert "差评回访 · 张三：已电话回访，居民表示理解" in shown
    assert "回访时限：" in shown
    assert "按时完成" in shown

    again = await next_to(
        api, RESIDENT, make_callback_update(RESIDENT, "rate:1:5", message=notice.result)
    )
    assert text_of(again) == "工单 #1 已经评价过了，每个工单只能评价一次。谢谢！"
    [rating] = await service.store.ratings()
    assert (rating.rating, rating.comment) == (2, "等了太久，电话13812345678")


async def test_a_forged_rating_for_another_residents_ticket_is_refused(
    api: FakeBotApi, service: Runtime
) -> None:
    """Another resident sends rate:1:1 from their own chat: the expired-button reply, nothing
    stored, nothing revealed; the owner can still rate."""
    notice = await answered_and_closed(api)
    forged = await next_to(api, OTHER, make_callback_update(OTHER, "rate:1:1"))
    assert text_of(forged) == expired_text("zh")
    assert await service.store.ratings() == []
    mine = await next_to(
        api, RESIDENT, make_callback_update(RESIDENT, "rate:1:4", message=notice.result)
    )
    assert "谢谢您的评价：满意。" in text_of(mine)
    assert "回访" not in text_of(mine)


async def test_a_withdrawn_ticket_is_not_rated(api: FakeBotApi, service: Runtime) -> None:
    """撤回 closes the ticket without rating buttons, and a rating sent anyway is refused."""
    await next_to(api, RESIDENT, make_text_update(RESIDENT, UNCOVERED))
    await next_to(api, STAFF_CHAT_ID, in_group("/reply 1 请问您在哪个街道？"))
    await api.wait_for(lambda: len(api.sent(RESIDENT)) >= 2, what="the reply")
    withdrawn = await next_to(api, RESIDENT, make_callback_update(RESIDENT, "withdraw:1"))
    assert "已撤回工单 #1" in text_of(withdrawn)
    assert replies_markup(withdrawn.params) == []
    refused = await next_to(api, RESIDENT, make_callback_update(RESIDENT, "rate:1:5"))
    assert text_of(refused) == expired_text("zh")
    assert await service.store.ratings() == []


async def test_english_chat_gets_english_buttons(api: FakeBotApi, service: Runtime) -> None:
    notice = await answered_and_closed(api, language="en")
    labels = [b["text"] for row in notice.params["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [
        "Very satisfied",
        "Satisfied",
        "Fairly satisfied",
        "Dissatisfied",
        "Very dissatisfied",
    ]
    thanks = await next_to(
        api, RESIDENT, make_callback_update(RESIDENT, "rate:1:1", message=notice.result)
    )
    assert "follow up within 15 working days" in text_of(thanks)


async def test_due_times_on_the_post_and_in_ticket(api: FakeBotApi, service: Runtime) -> None:
    await next_to(api, RESIDENT, make_text_update(RESIDENT, UNCOVERED))
    post = await api.wait_for(lambda: api.texts(STAFF_CHAT_ID), what="the staff post")
    rules = load_rules(Settings())
    ticket = await service.store.ticket(1)
    accept = rules.local(rules.calendar.due_at(ticket.created_at, 1))
    answer = rules.local(rules.calendar.due_at(ticket.created_at, 3))
    assert f"时限：受理 {accept:%m-%d %H:%M} 前 · 答复 {answer:%m-%d %H:%M} 前" in post[0]
    shown = text_of(await next_to(api, STAFF_CHAT_ID, in_group("/ticket 1")))
    assert f"受理时限：{accept:%Y-%m-%d %H:%M}（" in shown
    assert f"答复时限：{answer:%Y-%m-%d %H:%M}（" in shown


async def test_overdue_tickets_are_reminded_in_one_post(api: FakeBotApi, tmp_path: Path) -> None:
    """Two tickets filed ten days ago and never touched: the reminder job names both, overdue,
    in one post, once."""
    settings = service_settings(api, tmp_path)
    store = make_store(settings)
    await store.open()
    for text in ("路灯坏了", "井盖丢了"):
        new = NewTicket(RESIDENT, RESIDENT, "telegram", "unanswered", text)
        await store.create_ticket(new, utcnow() - timedelta(days=10))
    await store.close()
    async with running_service(settings):
        [post] = await api.wait_for(
            lambda: [t for t in api.texts(STAFF_CHAT_ID) if t.startswith("⏰")],
            within=20,
            what="the reminder",
        )
        assert "#1 · 🔴受理" in post
        assert "#2 · 🔴受理" in post
        assert "已超时" in post


async def test_the_calendar_warning_goes_to_the_group_once(api: FakeBotApi, tmp_path: Path) -> None:
    """Without a holiday file for the years in use that the package lacks, the group is told
    once at start-up (not again at a restart); with nothing missing, nothing is posted."""
    settings = service_settings(api, tmp_path, HOLIDAYS_FILE="")
    rules = load_rules(settings)
    expected = rules.calendar.warnings(rules.calendar.years_in_use(utcnow()))
    for _ in range(2):
        async with running_service(settings):
            await api.wait_for(lambda: api.of("setMyCommands"), what="start-up")
            await api.wait_for(lambda: api.of("getUpdates"), what="polling")
    posts = [t for t in api.texts(STAFF_CHAT_ID) if t.startswith("⚠️ 工作日历缺少年份")]
    assert len(posts) == (1 if expected else 0)
    for problem in expected:
        assert str(problem) in posts[0]
