"""Hostile and odd updates at the Telegram edge, end to end through the fake Bot API.

Forged buttons, staff commands with wrong arguments, updates this bot does not serve, and markup
characters: each is answered politely or ignored, changes nothing it should not, never reaches
the error handler, and nothing is ever sent with a parse_mode.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.transport.handlers import Runtime
from bot.words import expired_text, staff_only_text, staff_usage_text
from tests.factories import (
    STAFF_CHAT_ID,
    STAFF_USER_ID,
    make_callback_update,
    make_channel_post_update,
    make_command_update,
    make_edited_update,
    make_inline_callback_update,
    make_photo_update,
    make_reply_update,
    make_senderless_update,
    make_text_update,
)
from tests.fake_bot_api import Call, FakeBotApi
from tests.telegram_harness import post_recorded, running_service, service_settings

# Every test here runs its service on SQLite and on PostgreSQL (conftest: service_backend).
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("service_backend")]

RESIDENT = 8001
OTHER_RESIDENT = 8002
OTHER_GROUP = -1009999999
CHANNEL = -1008888888
UNCOVERED = "我的社保卡丢了怎么补办"
MARKUP = "*bold* _x_ <b>y</b> [a](b) `c` &amp; </i> ~~s~~ ||spoiler||"
SENDING = ("sendMessage", "sendPhoto", "editMessageText", "editMessageCaption")


@pytest.fixture
async def service(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Runtime]:
    caplog.set_level(logging.INFO)
    async with running_service(service_settings(api, tmp_path)) as rt:
        yield rt
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert failures == [], "the error handler (or a traceback) fired"


async def ask(api: FakeBotApi, update: dict[str, object], chat_id: int) -> str:
    """Push an update and return the first message it brings to `chat_id`."""
    before = len(api.sent(chat_id))
    api.push(update)
    await api.wait_for(lambda: len(api.sent(chat_id)) > before, what=f"a message to {chat_id}")
    return api.texts(chat_id)[before]


async def file_ticket(api: FakeBotApi, text: str = UNCOVERED) -> tuple[int, Call]:
    """Ask an uncovered question as RESIDENT; return the ticket number and the staff post."""
    await ask(api, make_text_update(RESIDENT, text), RESIDENT)
    [post] = await api.wait_for(lambda: api.sent(STAFF_CHAT_ID), what="the staff post")
    [number] = [int(d.split(":")[1]) for d in _buttons(post) if d.startswith("claim:")]
    return number, post


def _buttons(call: Call) -> list[str]:
    rows = call.params.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row]


def answered(api: FakeBotApi, update: dict[str, object]) -> bool:
    query_id = update["callback_query"]["id"]  # type: ignore[index]
    return query_id in [c.params["callback_query_id"] for c in api.of("answerCallbackQuery")]


FORGED = [
    pytest.param("pick:nonexistent", id="unknown-entry"),
    pytest.param("cat:no-such-category", id="unknown-category"),
    pytest.param("fb:up:999999", id="someone-elses-answer"),
    pytest.param("fb:sideways:1", id="bad-vote"),
    pytest.param("human:abc", id="not-a-number"),
    pytest.param("tb:community-that-is-not", id="unknown-community"),
    pytest.param("\x00\x01\x7f\ufffd\u202e\u200b:;'\"--", id="control-and-bidi"),
    pytest.param("Ω" * 32, id="64-bytes-of-utf8"),
    pytest.param("x" * 64, id="64-bytes-ascii"),
    pytest.param("pick:" + "y" * 300, id="oversized"),
    pytest.param("", id="empty"),
]


@pytest.mark.parametrize("data", FORGED)
async def test_forged_button_data_is_answered_as_expired_and_changes_nothing(
    api: FakeBotApi, service: Runtime, data: str
) -> None:
    """Callback data the bot never issued: the tap is answered, the resident is told the
    button has expired, and no ticket or staff post appears."""
    tap = make_callback_update(RESIDENT, data)
    reply = await ask(api, tap, RESIDENT)
    assert reply == expired_text("zh")
    assert answered(api, tap)
    assert await service.store.tickets() == []
    assert api.sent(STAFF_CHAT_ID) == []


@pytest.mark.parametrize("data", ["claim:{n}", "close:{n}", "claim:999999", "close:abc"])
async def test_staff_buttons_forged_by_a_resident_are_refused_without_a_hint(
    api: FakeBotApi, service: Runtime, data: str
) -> None:
    """ "claim:1" from a non-staff user gets the neutral staff-only refusal (the same for a ticket
    that exists, one that does not, and nonsense); the ticket is untouched."""
    number, _ = await file_ticket(api)
    tap = make_callback_update(OTHER_RESIDENT, data.format(n=number))
    assert await ask(api, tap, OTHER_RESIDENT) == staff_only_text()
    assert answered(api, tap)
    assert (await service.store.ticket(number)).status == "open"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/reply abc", staff_usage_text("reply")),
        ("/reply 1", staff_usage_text("reply")),
        ("/reply", staff_usage_text("reply")),
        ("/reply 999999 hi", "没有工单 #999999。"),
        ("/close", staff_usage_text("close")),
        ("/close #x", staff_usage_text("close")),
        ("/ticket 1.5", staff_usage_text("ticket")),
        ("/reopen -1", staff_usage_text("reopen")),
        ("/claim ١٢", staff_usage_text("claim")),  # Arabic-Indic digits are not a ticket number
    ],
)
async def test_staff_commands_with_wrong_arguments_get_their_usage(
    api: FakeBotApi, service: Runtime, command: str, expected: str
) -> None:
    """A staff command with a missing or malformed number answers with its usage (or, for a
    well-formed number with no ticket, says so); the resident's ticket is untouched."""
    number, _ = await file_ticket(api)
    update = make_command_update(STAFF_USER_ID, command, chat_id=STAFF_CHAT_ID)
    assert await ask(api, update, STAFF_CHAT_ID) == expected
    assert (await service.store.ticket(number)).status == "open"
    assert len(api.sent(RESIDENT)) == 1  # only the ticket confirmation


async def test_updates_this_bot_does_not_serve_are_ignored_quietly(
    api: FakeBotApi, service: Runtime
) -> None:
    """A button on an inline message, edited messages, channel posts, messages in a group that
    is not the staff group, messages without a sender, and an empty update: none of them is
    answered with a message, none reaches the error handler (checked by the fixture), and the
    service goes on serving."""
    inline_tap = make_inline_callback_update(RESIDENT, "pick:anything")
    ignored = [
        inline_tap,
        make_edited_update(RESIDENT, UNCOVERED),
        make_channel_post_update(CHANNEL, UNCOVERED),
        make_channel_post_update(CHANNEL, "/tickets"),
        make_text_update(RESIDENT, UNCOVERED, chat_id=OTHER_GROUP),
        make_command_update(STAFF_USER_ID, "/tickets", chat_id=OTHER_GROUP),
        {"message": _in_chat(make_photo_update(RESIDENT))},
        make_senderless_update(STAFF_CHAT_ID, "/tickets"),
        make_senderless_update(STAFF_CHAT_ID, UNCOVERED),
        make_senderless_update(RESIDENT, UNCOVERED),
        {},
    ]
    for update in ignored:
        api.push(update)
    # Updates are handled in order: once this is answered, every one above has been handled.
    await ask(api, make_command_update(RESIDENT, "/help"), RESIDENT)
    await api.wait_for(lambda: outbox_empty(service), what="the outbox to drain")

    assert answered(api, inline_tap)
    assert [int(c.params["chat_id"]) for c in api.sent()] == [RESIDENT]
    assert await service.store.tickets() == []


async def outbox_empty(service: Runtime) -> bool:
    return not await service.store.rows("SELECT id FROM outbox WHERE sent_at IS NULL")


def _in_chat(update: dict[str, object]) -> dict[str, object]:
    """The photo message moved into OTHER_GROUP."""
    message = dict(update["message"])  # type: ignore[call-overload]
    message["chat"] = {"id": OTHER_GROUP, "type": "supergroup", "title": "别的群"}
    return message


async def test_markup_characters_arrive_verbatim_and_nothing_is_sent_with_a_parse_mode(
    api: FakeBotApi, service: Runtime
) -> None:
    """Markdown and HTML in a question, a photo caption and a staff reply reach the staff post,
    the ticket views and the resident exactly as typed: no call the bot makes sets a
    parse_mode, so Telegram shows them as text."""
    question = f"{UNCOVERED} {MARKUP}"
    number, post = await file_ticket(api, question)
    assert MARKUP in post.params["text"]

    await ask(api, make_photo_update(RESIDENT, caption=f"路灯坏了 {MARKUP}"), RESIDENT)
    photo_post = await api.wait_for(
        lambda: api.sent(STAFF_CHAT_ID, "sendPhoto"), what="the photo post"
    )
    assert MARKUP in photo_post[0].params["caption"]

    staff_reply = f"请带身份证办理 {MARKUP}"
    await post_recorded(api, service, post)
    reply_update = make_reply_update(STAFF_USER_ID, STAFF_CHAT_ID, post.result, staff_reply)
    api.push(reply_update)
    await api.wait_for(
        lambda: any(staff_reply in t for t in api.texts(RESIDENT)), what="the staff reply"
    )
    mine = await ask(api, make_command_update(RESIDENT, "/mytickets"), RESIDENT)
    assert MARKUP[:20] in mine
    details = await ask(
        api,
        make_command_update(STAFF_USER_ID, f"/ticket {number}", chat_id=STAFF_CHAT_ID),
        STAFF_CHAT_ID,
    )
    assert MARKUP in details

    sending = [c for c in api.calls if c.method in SENDING]
    assert len(sending) >= 6
    assert [c for c in sending if "parse_mode" in c.params or "entities" in c.params] == []
