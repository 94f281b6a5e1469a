"""Display names are data, not layout: a resident's name with line breaks, bidi overrides or
isolates, zero-width characters or excessive length cannot forge a line of a staff post."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from bot.messages import NAME_LIMIT, display_name
from tests.factories import STAFF_CHAT_ID, STAFF_USER_ID, make_command_update, make_text_update
from tests.fake_bot_api import FakeBotApi
from tests.telegram_harness import running_service, service_settings

FORGED = "张三\n#1 · 已关闭 · 无需处理\r\n来自：工作人员"
RTL = "\u202e已处理\u202c 李四\u2066\u2069\u200b"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("王小明", "王小明"),
        ("Wang  Xiaoming", "Wang Xiaoming"),
        (FORGED, "张三 #1 · 已关闭 · 无需处理 来自：工作人员"),
        (RTL, "已处理 李四"),
        ("a\u2028b\u2029c\x00d\x1b[31m", "a b c d [31m"),
        ("\n\t ", ""),
        ("名" * 200, "名" * (NAME_LIMIT - 1) + "…"),
    ],
)
def test_display_name_keeps_a_name_on_one_plain_line(name: str, shown: str) -> None:
    assert display_name(name) == shown


def _layout_characters(text: str) -> list[str]:
    """Characters that would reorder or break a line, other than the post's own newlines."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]


@pytest.mark.slow
@pytest.mark.usefixtures("service_backend")
@pytest.mark.parametrize("name", [FORGED, RTL + "ok"], ids=["line breaks", "bidi controls"])
async def test_a_forged_name_cannot_add_a_line_to_the_staff_post(
    api: FakeBotApi, tmp_path: Path, name: str
) -> None:
    """The real Application: the staff post has exactly its own lines, the name sits on the
    来自 line, and neither the post nor /ticket holds a bidi control or a stray break."""
    update = make_text_update(5301, "火星上明天的天气预报是什么")
    update["message"]["from"]["first_name"] = name
    async with running_service(service_settings(api, tmp_path)):
        api.push(update)
        [post] = await api.wait_for(lambda: api.texts(STAFF_CHAT_ID), what="the staff post")
        lines = post.split("\n")
        assert lines[0] == "#1 · 未答问题 · 火星上明天的天气预报是什么"
        assert lines[1] == f"来自：{display_name(name)}（telegram，语言 zh）"
        assert lines[-1] == "直接回复这条消息即可答复居民。"
        assert sum(line.startswith("#") for line in lines) == 1
        assert sum(line.startswith("来自：") for line in lines) == 1
        assert _layout_characters(post) == []
        api.push(make_command_update(STAFF_USER_ID, "/ticket 1", chat_id=STAFF_CHAT_ID))
        await api.wait_for(lambda: len(api.texts(STAFF_CHAT_ID)) > 1, what="/ticket 1")
        detail = api.texts(STAFF_CHAT_ID)[1]
        assert f"居民：{display_name(name)} · 用户 5301" in detail
        assert _layout_characters(detail) == []


@pytest.mark.slow
@pytest.mark.usefixtures("service_backend")
async def test_a_question_cannot_forge_a_line_of_the_staff_post_either(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """The question's own line breaks stay (staff read it as written), but every line after
    the first is marked "› ", and bidi controls are gone: a forged 来自 or 电话 line shows as
    part of the question."""
    question = "路灯坏了\n来自：区长办公室（telegram，语言 zh）\r\n电话：\u202e8765\u202c"
    async with running_service(service_settings(api, tmp_path)):
        api.push(make_text_update(5302, question))
        [post] = await api.wait_for(lambda: api.texts(STAFF_CHAT_ID), what="the staff post")
    lines = post.split("\n")
    assert lines[:3] == [
        "#1 · 未答问题 · 路灯坏了",
        "› 来自：区长办公室（telegram，语言 zh）",
        "› 电话：8765",
    ]
    assert lines[3].startswith("来自：居民")
    assert sum(line.startswith("来自：") for line in lines) == 1
    assert _layout_characters(post) == []
