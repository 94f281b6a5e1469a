"""The dialogue engine, driven as a resident and as staff, on a real SQLite file (no mocks)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.dialogue.engine import Engine
from bot.matching.decision import Bands
from bot.matching.matcher import Matcher
from bot.messages import Incoming, Outcome
from bot.store.backend import Store
from tests.engine_setup import Clock, data, engine_settings, knowledge, make_engine, text
from tests.factories import (
    make_choice,
    make_command,
    make_photo,
    make_text,
    make_unsupported,
)

COVERED = "渝中区有多少栋建成楼宇"  # an exact KB question (entry yuzhong-building-tiers)
TONGBAN_QUESTION = "两个袁家岗社区跨区办事啷个整"  # entry yuanjiagang-tongban, follow_up tongban
UNCOVERED = "火星上明天的天气预报是什么"


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Cmd:
    text: str


@dataclass(frozen=True)
class Tap:
    """Tap the first button of the previous reply whose data starts with `prefix`."""

    prefix: str


@dataclass(frozen=True)
class Forged:
    """Send button data no reply offered."""

    data: str


@dataclass(frozen=True)
class Photo:
    caption: str


@dataclass(frozen=True)
class Sticker:
    pass


Action = Say | Cmd | Tap | Forged | Photo | Sticker


def to_incoming(action: Action, previous: Outcome | None) -> Incoming:
    if isinstance(action, Say):
        return make_text(action.text)
    if isinstance(action, Cmd):
        return make_command(action.text)
    if isinstance(action, Tap):
        assert previous is not None
        offered = [d for d in data(previous) if d.startswith(action.prefix)]
        assert offered, f"no button {action.prefix!r} in {data(previous)}"
        return make_choice(offered[0])
    if isinstance(action, Forged):
        return make_choice(action.data)
    if isinstance(action, Photo):
        return make_photo("photo-file-1", action.caption)
    return make_unsupported()


# Each scenario: steps of (what the resident does, the engine's note, text the reply contains).
SCENARIOS: dict[str, list[tuple[Action, str, str]]] = {
    "a greeting is answered with the menu": [(Say("你好"), "greeting", "服务助手")],
    "/start greets": [(Cmd("/start"), "greeting", "服务助手")],
    "a covered question gets its answer": [(Say(COVERED), "answer", "亿元级税收楼宇")],
    "an uncovered question becomes ticket #1": [(Say(UNCOVERED), "ticket", "#1")],
    "a near miss becomes a ticket that offers the entry it resembles": [
        (Say("巴南区有没得老年食堂"), "ticket", "相关内容"),
        (Tap("pick:jiangbei-elderly-meal-points"), "answer", "江北"),
    ],
    "gibberish is asked to rephrase": [(Say("？？？"), "rephrase", "换个说法")],
    "empty input is asked to rephrase": [(Say("   "), "rephrase", "换个说法")],
    "👍 is thanked": [(Say(COVERED), "answer", ""), (Tap("fb:up:"), "thanks_feedback", "谢谢")],
    "👎 asks what was missing, then files it with the question": [
        (Say(COVERED), "answer", ""),
        (Tap("fb:down:"), "feedback_why", "哪里没说清楚"),
        (Say("没说在哪栋楼"), "ticket", "#1"),
        (Cmd("/mytickets"), "mytickets", "#1"),
    ],
    "👎 then 直接转交 files it without a reason": [
        (Say(COVERED), "answer", ""),
        (Tap("fb:down:"), "feedback_why", ""),
        (Tap("why:"), "ticket", "#1"),
    ],
    "👎 then /cancel files nothing": [
        (Say(COVERED), "answer", ""),
        (Tap("fb:down:"), "feedback_why", ""),
        (Cmd("/cancel"), "cancel", ""),
        (Cmd("/mytickets"), "mytickets", "还没有工单"),
    ],
    "a bare 转人工 asks what they need, then files that": [
        (Say("转人工"), "human_what", "说明"),
        (Say("我想咨询公租房怎么申请"), "ticket", "#1"),
        (Cmd("/mytickets"), "mytickets", "公租房"),
    ],
    "我要找真人客服 with nothing before asks what they need": [
        (Say("我要找真人客服"), "human_what", ""),
    ],
    "转人工 twice after the same answer never files twice": [
        (Say(COVERED), "answer", ""),
        (Say("转人工"), "ticket", "#1"),
        (Say("转人工"), "already_filed", "#1"),
    ],
    "/cancel with nothing in progress says so": [
        (Cmd("/cancel"), "cancel_nothing", "没有进行中"),
    ],
    "/lang fr says which languages there are": [
        (Cmd("/lang fr"), "lang_unknown", "/lang en"),
        (Cmd("/lang 英文"), "lang", "English"),
    ],
    "typing 补充说明 #1 does what the button does": [
        (Say(UNCOVERED), "ticket", "#1"),
        (Say("补充说明 #1"), "followup", "#1"),
        (Say("是重庆的火星"), "followup_saved", "#1"),
    ],
    "typing 👎 没解决 after an answer is the 👎 button": [
        (Say(COVERED), "answer", ""),
        (Say("没解决"), "feedback_why", ""),
    ],
    "a resident withdraws an open ticket": [
        (Say(UNCOVERED), "ticket", "#1"),
        (Cmd("/mytickets"), "mytickets", "#1 · 待处理"),
        (Tap("withdraw:1"), "withdrawn", "已撤回工单 #1"),
        (Cmd("/mytickets"), "mytickets", "已办结"),
        (Say("撤回 #1"), "closed", "#1"),
    ],
    "withdrawing someone else's ticket has expired": [(Forged("withdraw:1"), "expired", "失效")],
    "asking in words to cancel one's ticket offers to withdraw it": [
        (Say(UNCOVERED), "ticket", "#1"),
        (Say("取消我的工单，问题已经解决了"), "cancel_tickets", "请点对应工单下的「撤回」"),
        (Tap("withdraw:1"), "withdrawn", "已撤回工单 #1"),
        (Say("取消我的工单"), "cancel_nothing", "没有进行中"),  # none open now
    ],
    "/tongban answers a knowledge-base question typed as the matter, and waits": [
        (Cmd("/tongban"), "tongban_community", ""),
        (Tap("tb:yz"), "tongban_matter", ""),
        (Say("楼小二是干什么的？"), "answer", "党建指导员"),
        (Say("开具居住证明"), "tongban_phone", "第 3 步"),
    ],
    "/tongban takes 不想留 as no phone": [
        (Cmd("/tongban"), "tongban_community", ""),
        (Tap("tb:yz"), "tongban_matter", ""),
        (Say("办理老年证"), "tongban_phone", ""),
        (Say("不想留"), "ticket", "#1"),
    ],
    "转人工 button files a ticket": [(Say(COVERED), "answer", ""), (Tap("human:"), "ticket", "#1")],
    "typing 转人工 after an answer files a ticket": [
        (Say(COVERED), "answer", ""),
        (Say("转人工"), "ticket", "#1"),
    ],
    "a 通办 answer offers the flow": [
        (Say(TONGBAN_QUESTION), "answer", "袁来一家"),
        (Tap("tb:start"), "tongban_community", "第 1 步"),
    ],
    "/tongban with a phone number": [
        (Cmd("/tongban"), "tongban_community", "哪个袁家岗社区"),
        (Tap("tb:yz"), "tongban_matter", "第 2 步"),
        (Say("开具居住证明"), "tongban_phone", "第 3 步"),
        (Say("12345"), "tongban_phone", "格式不对"),
        (Say("138-1234-5678"), "ticket", "138****5678"),
    ],
    "/tongban skipping the phone": [
        (Cmd("/tongban"), "tongban_community", ""),
        (Tap("tb:jlp"), "tongban_matter", ""),
        (Say("办理老年证"), "tongban_phone", ""),
        (Tap("tb:skip"), "ticket", "谢家湾街道 · 九龙坡区"),
    ],
    "/tongban understands a typed community": [
        (Cmd("/tongban"), "tongban_community", ""),
        (Say("我是渝中大坪的"), "tongban_matter", ""),
        (Say("办理老年证"), "tongban_phone", ""),
        (Say("跳过"), "ticket", "大坪街道 · 渝中区"),
    ],
    "/tongban asks again for an unknown community": [
        (Cmd("/tongban"), "tongban_community", ""),
        (Say("不知道"), "tongban_community", "请点选"),
    ],
    "/cancel leaves the flow": [
        (Cmd("/tongban"), "tongban_community", ""),
        (Cmd("/cancel"), "cancel", "退出"),
        (Say(COVERED), "answer", ""),
    ],
    "typing 取消 leaves the flow": [
        (Cmd("/tongban"), "tongban_community", ""),
        (Tap("tb:yz"), "tongban_matter", ""),
        (Say("取消"), "cancel", ""),
        (Say(COVERED), "answer", ""),
    ],
    "/menu browses categories and entries": [
        (Cmd("/menu"), "menu", "类别"),
        (Tap("cat:cross_district"), "category", "跨区通办"),
        (Tap("pick:yuanjiagang-tongban"), "answer", "袁来一家"),
    ],
    "the category list leads back to the menu": [
        (Cmd("/menu"), "menu", ""),
        (Tap("cat:"), "category", ""),
        (Tap("menu"), "menu", ""),
    ],
    "typing 菜单 shows the menu": [(Say("菜单"), "menu", "类别")],
    "/mytickets with none": [(Cmd("/mytickets"), "mytickets", "还没有工单")],
    "/mytickets lists the ticket": [
        (Say(UNCOVERED), "ticket", "#1"),
        (Cmd("/mytickets"), "mytickets", "#1 · 待处理 · 火星"),
    ],
    "typing 我的工单 lists tickets": [
        (Say(UNCOVERED), "ticket", ""),
        (Say("我的工单"), "mytickets", "#1"),
    ],
    "补充说明 appends to the ticket": [
        (Say(UNCOVERED), "ticket", ""),
        (Cmd("/mytickets"), "mytickets", ""),
        (Tap("add:1"), "followup", "#1"),
        (Say("是重庆的火星"), "followup_saved", "已补充到工单 #1"),
        (Say(COVERED), "answer", ""),  # the flow ends after one message
    ],
    "/help lists the commands": [(Cmd("/help"), "help", "/tongban")],
    "typing 帮助 helps": [(Say("帮助"), "help", "/menu")],
    "thanks are answered": [(Say("谢谢"), "thanks", "不客气")],
    "a goodbye is answered, never a ticket": [(Say("拜拜了哈"), "goodbye", "再见")],
    "chat-style thanks never file a ticket": [(Say("好的 谢谢你哈，问清楚了"), "thanks", "不客气")],
    "a repeated 在吗 is a greeting": [(Say("在吗在吗"), "greeting", "服务助手")],
    "two covered questions get two answers, each under its question": [
        (Say("骑手停车位有多少个？另外暖新驿站在哪"), "several", "关于「骑手停车位有多少个」"),
    ],
    "of two questions the uncovered one is filed and the other answered": [
        (Say("蓝玫瑰女骑手团队怎么报名？另外暖新驿站在哪"), "several", "#1"),
        (Cmd("/mytickets"), "mytickets", "蓝玫瑰"),
    ],
    "another district's programme asked for Yuzhong is filed, that entry offered": [
        (Say("渝中区有没有失能老人上门服务"), "ticket", "江北区失能老人上门服务"),
    ],
    "an unknown command points to /help": [(Cmd("/frobnicate"), "unknown_command", "/help")],
    "a sticker asks for text": [(Sticker(), "unsupported", "文字")],
    "a photo becomes a report ticket": [(Photo("井盖丢了"), "ticket", "#1")],
    "/lang en switches to English": [
        (Cmd("/lang en"), "lang", "English"),
        (Say(COVERED), "answer", "tax"),
        (Cmd("/lang zh"), "lang", "中文"),
        (Say(COVERED), "answer", "亿元级"),
    ],
    "/lang alone explains itself": [(Cmd("/lang"), "lang_usage", "/lang en")],
    "a non-numeric reference has expired": [(Forged("fb:down:abc"), "expired", "失效")],
    "a forged feedback button has expired": [(Forged("fb:up:999"), "expired", "失效")],
    "an unknown button has expired": [(Forged("zzz:1"), "expired", "失效")],
    "an unknown entry has expired": [(Forged("pick:no-such-entry"), "expired", "失效")],
    "an unknown category has expired": [(Forged("cat:nope"), "expired", "失效")],
    "an unknown community has expired": [(Forged("tb:mars"), "expired", "失效")],
    "补充说明 on a missing ticket has expired": [(Forged("add:77"), "expired", "失效")],
    "skip outside the flow has expired": [(Forged("tb:skip"), "expired", "失效")],
}


@pytest.mark.parametrize("steps", list(SCENARIOS.values()), ids=list(SCENARIOS))
async def test_resident_flows(store: Store, steps: list[tuple[Action, str, str]]) -> None:
    """Each step gets the expected kind of reply, containing the expected words."""
    engine = make_engine(store, Clock())
    previous: Outcome | None = None
    for action, note, words in steps:
        outcome = await engine.handle(to_incoming(action, previous))
        assert (note, words in text(outcome)) == (outcome.notes[0], True), (action, text(outcome))
        previous = outcome


async def test_a_ticket_offers_related_entries_only_when_some_are_near(
    store: Store,
) -> None:
    """A question far from every entry gets the plain ticket notice, with no buttons."""
    engine = make_engine(store, Clock())
    far = await engine.handle(make_text(UNCOVERED))
    near = await engine.handle(make_text("巴南区有没得老年食堂"))
    assert (far.notes[0], far.replies[0].choices) == ("ticket", ())
    assert "相关内容" not in text(far)
    assert near.notes[0] == "ticket"
    assert [row[0].data for row in near.replies[0].choices][:1] == [
        "pick:jiangbei-elderly-meal-points"
    ]


async def test_an_english_question_gets_an_english_ticket_notice(store: Store) -> None:
    """Like an answer, the notice follows the question's language when none was chosen."""
    engine = make_engine(store, Clock())
    outcome = await engine.handle(make_text("Where can I renew my passport?"))
    assert outcome.notes[0] == "ticket"
    assert text(outcome).startswith("I don't have a reliable answer")


async def test_confirm_offers_the_close_entry_and_both_answers_work(
    store: Store,
) -> None:
    """With a confirm band, a near answer is proposed: 是 shows it, 不是 files the question."""
    kb, intents, _ = knowledge()
    # every band above the question's confidence, so that only the confirm band is left
    above = {"answer": 95.0, "answer_long": 95.0}
    matcher = Matcher(kb, intents, Bands(confirm=1.0, confirm_gap=0.0, **above))
    engine = Engine(store, matcher, engine_settings(), Clock())
    question = "户籍不在本地 在袁家岗办事好麻烦 有没得办法"
    asked = await engine.handle(make_text(question, message_id=1))
    assert asked.notes[0] == "confirm"
    assert "您是想问「" in text(asked)
    yes = await engine.handle(make_choice(next(d for d in data(asked) if d.startswith("pick:"))))
    assert yes.notes[:2] == ("answer", "entry:yuanjiagang-tongban")
    again = await engine.handle(make_text(question, message_id=2))
    no = await engine.handle(make_choice(next(d for d in data(again) if d.startswith("none:"))))
    assert no.notes[0] == "ticket"
    [ticket] = await store.tickets()
    assert ticket.text == question
