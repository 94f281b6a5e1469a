"""The matcher on messages as people write them: requests written as sentences, what an entry
can answer (`bot.matching.asks`), and places carried from one question of a message to the
next. Cases are our own wordings, written from the source reports, not from an evaluation set."""

from __future__ import annotations

from functools import lru_cache

import pytest

from bot.kb.intents import load_intents
from bot.kb.loader import load_knowledge
from bot.matching.matcher import Matcher
from bot.paths import bundled_dir


@lru_cache(maxsize=1)
def matcher() -> Matcher:
    return Matcher(load_knowledge(bundled_dir("knowledge")), load_intents(bundled_dir("intents")))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("帮我转个人工客服吧，这个机器人答非所问", "human"),
        ("我不想再跟机器人聊了，叫个工作人员来", "human"),
        ("Honestly I'd rather talk to a human about this", "human"),
        ("我前天提的那个问题现在处理得怎样了", "ticket_status"),
        ("之前反映的事情有人回复了没有啊", "ticket_status"),
        ("麻烦帮我查下我的工单进度", "ticket_status"),
        ("Is there any reply yet on my question?", "ticket_status"),
        ("算了 刚刚那个不要了", "cancel"),
        ("撤销刚才的", "cancel"),
    ],
)
def test_a_request_written_as_a_sentence_is_its_intent(text: str, intent: str) -> None:
    """A request for a person, one's own ticket's progress or to cancel, written as a sentence
    rather than as an example phrase, is that intent and not an answer about the assistant."""
    decision = matcher().decide(text)
    assert (decision.outcome, decision.intent) == ("intent", intent)


@pytest.mark.parametrize(
    "text",
    [
        "工单有几种状态，认领是什么意思",  # about tickets in general: the assistant's entry
        "提交的问题去哪里看处理进度",
        "How do I talk to a real person?",
        "取消通办申请需要什么手续",  # cancelling something else: not the dialogue's cancel
    ],
)
def test_a_question_about_tickets_or_people_is_not_a_request(text: str) -> None:
    """Asking how tickets or people are reached is a question, not a request to act."""
    assert matcher().decide(text).outcome != "intent"
