"""End to end: the real Application polls the fake Bot API; residents and staff use the bot.

Questions are exact knowledge-base questions or clearly uncovered ones, so these tests do not
depend on how clever the matcher is.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.kb.loader import load_knowledge
from bot.paths import bundled_dir
from bot.store.postgres import PostgresTicketStore
from bot.transport.chunks import MESSAGE_LIMIT, text_length
from bot.transport.handlers import Runtime
from bot.words import busy_text, limit_text, something_went_wrong_text
from tests.factories import (
    STAFF_CHAT_ID,
    STAFF_USER_ID,
    make_callback_update,
    make_command_update,
    make_location_update,
    make_photo_update,
    make_reply_update,
    make_sticker_update,
    make_text_update,
    make_voice_update,
)
from tests.fake_bot_api import Call, FakeBotApi
from tests.store_faults import PostgresReadOnly
from tests.telegram_harness import (
    percentiles,
    post_recorded,
    replies_markup,
    running_service,
    service_settings,
)

# Every test here runs its service on SQLite and on PostgreSQL (conftest: service_backend).
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("service_backend")]

RESIDENT = 5001
OTHER_RESIDENT = 5002
COVERED = "渝中区有多少栋建成楼宇"  # a question of entry yuzhong-building-tiers, word for word
COVERED_ENTRY = "yuzhong-building-tiers"
UNCOVERED = "我的社保卡丢了怎么补办"


@pytest.fixture
async def service(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Runtime]:
    async with running_service(service_settings(api, tmp_path)) as rt:
        yield rt


async def ask(
    api: FakeBotApi, update: dict[str, object], chat_id: int, count: int = 1
) -> list[str]:
    """Push an update and wait until `count` more messages have reached `chat_id`."""
    before = len(api.sent(chat_id))
    api.push(update)
    await api.wait_for(
        lambda: len(api.sent(chat_id)) >= before + count, what=f"{count} message(s) to {chat_id}"
    )
    return api.texts(chat_id)[before:]


async def file_ticket(
    api: FakeBotApi, user_id: int, text: str = UNCOVERED, service: Runtime | None = None
) -> tuple[int, Call]:
    """Ask an uncovered question; return the ticket number and the staff-group post (with
    `service`: once the service has recorded the post, so staff may reply to it)."""
    [reply] = await ask(api, make_text_update(user_id, text), user_id)
    number = ticket_number(reply)
    post = await api.wait_for(
        lambda: [c for c in api.sent(STAFF_CHAT_ID) if f"#{number}" in _text(c)],
        what=f"the staff post of #{number}",
    )
    if service is not None:
        await post_recorded(api, service, post[0])
    return number, post[0]


def ticket_number(text: str) -> int:
    found = re.search(r"#(\d+)", text)
    assert found, f"no ticket number in {text!r}"
    return int(found.group(1))


async def outbox_empty(service: Runtime) -> bool:
    return not await service.store.rows("SELECT id FROM outbox WHERE sent_at IS NULL")


def _text(call: Call) -> str:
    return str(call.params.get("text") or call.params.get("caption") or "")


async def test_start_greets_and_sets_the_command_menus(api: FakeBotApi, service: Runtime) -> None:
    """/start answers with a greeting; menus were set for private chats and for the staff group."""
    [greeting] = await ask(api, make_command_update(RESIDENT, "/start"), RESIDENT)
    assert "/mytickets" in greeting or "工单" in greeting
    scopes = [c.params.get("scope", {}) for c in api.of("setMyCommands")]
    assert {"type": "all_private_chats"} in scopes
    assert {"type": "chat", "chat_id": STAFF_CHAT_ID} in scopes
    staff_menu = next(c for c in api.of("setMyCommands") if c.params["scope"]["type"] == "chat")
    assert {"reply", "tickets", "close"} <= {c["command"] for c in staff_menu.params["commands"]}


async def test_a_covered_question_gets_its_answer_with_feedback_buttons(
    api: FakeBotApi, service: Runtime
) -> None:
    """An exact knowledge-base question is answered with that entry's answer, plain text."""
    entry = load_knowledge(bundled_dir("knowledge")).entry(COVERED_ENTRY)
    texts = await ask(api, make_text_update(RESIDENT, COVERED), RESIDENT)
    assert entry.answer.splitlines()[0] in texts[0]
    [call] = api.sent(RESIDENT)
    assert "parse_mode" not in call.params
    assert replies_markup(call.params), "an answer offers feedback buttons"
    assert api.sent(STAFF_CHAT_ID) == []


async def test_uncovered_question_becomes_a_ticket_that_staff_answer(
    api: FakeBotApi, service: Runtime
) -> None:
    """Uncovered → ticket #N → one staff post with 认领/关闭 → staff replies reach the resident."""
    number, post = await file_ticket(api, RESIDENT, service=service)
    assert UNCOVERED in _text(post)
    assert replies_markup(post.params) == [f"claim:{number}", f"close:{number}"]

    by_reply = make_reply_update(
        STAFF_USER_ID, STAFF_CHAT_ID, post.result, "请带身份证到社保窗口补办。"
    )
    api.push(by_reply)
    await api.wait_for(
        lambda: any("请带身份证到社保窗口补办" in t for t in api.texts(RESIDENT)),
        what="the staff reply by reply-to-message",
    )
    api.push(
        make_command_update(STAFF_USER_ID, f"/reply {number} 补办免费。", chat_id=STAFF_CHAT_ID)
    )
    await api.wait_for(
        lambda: any("补办免费" in t for t in api.texts(RESIDENT)), what="the /reply answer"
    )
    [mine] = await ask(api, make_command_update(RESIDENT, "/mytickets"), RESIDENT)
    assert f"#{number}" in mine
    assert len([c for c in api.sent(STAFF_CHAT_ID) if UNCOVERED in _text(c)]) == 1


async def test_a_near_miss_ticket_offers_the_entry_it_resembles_as_a_button(
    api: FakeBotApi, service: Runtime
) -> None:
    """巴南's canteens: a ticket for staff, and the 江北 canteen entry one tap away."""
    [notice] = await ask(api, make_text_update(RESIDENT, "巴南区有没得老年食堂"), RESIDENT)
    assert ticket_number(notice) >= 1
    [call] = api.sent(RESIDENT)[-1:]
    buttons = replies_markup(call.params)
    assert buttons[0] == "pick:jiangbei-elderly-meal-points"
    [answer] = await ask(api, make_callback_update(RESIDENT, buttons[0]), RESIDENT)
    assert "江北" in answer


async def test_a_redelivered_update_creates_no_second_ticket_or_post(
    api: FakeBotApi, service: Runtime
) -> None:
    """The same update delivered twice (a crash before the offset was confirmed) is one ticket."""
    update = api.push(make_text_update(RESIDENT, UNCOVERED))
    await api.wait_for(lambda: api.sent(STAFF_CHAT_ID), what="the staff post")
    api.redeliver(update)
    [mine] = await ask(api, make_command_update(RESIDENT, "/mytickets"), RESIDENT)
    assert len(re.findall(r"#\d+", mine)) == 1
    assert len(api.sent(STAFF_CHAT_ID)) == 1
    assert len(await service.store.tickets()) == 1


@pytest.mark.parametrize(
    "command",
    ["/reply {n} 这是冒充的回复", "/ticket {n}", "/close {n}", "/tickets", "/stats"],
)
async def test_staff_commands_from_a_resident_are_refused_without_revealing_tickets(
    api: FakeBotApi, service: Runtime, command: str
) -> None:
    """A non-staff user gets the same neutral refusal whether or not the ticket exists."""
    number, _ = await file_ticket(api, RESIDENT)
    [existing] = await ask(
        api, make_command_update(OTHER_RESIDENT, command.format(n=number)), OTHER_RESIDENT
    )
    [missing] = await ask(
        api, make_command_update(OTHER_RESIDENT, command.format(n=99999)), OTHER_RESIDENT
    )
    assert existing == missing
    assert UNCOVERED not in existing
    assert not any("冒充" in t for t in api.texts(RESIDENT))
    assert (await service.store.ticket(number)).status == "open"


async def test_a_resident_cannot_use_the_staff_buttons(api: FakeBotApi, service: Runtime) -> None:
    """A forged 关闭 tap from a non-staff user is answered and refused; the ticket stays open."""
    number, _ = await file_ticket(api, RESIDENT)
    tap = make_callback_update(OTHER_RESIDENT, f"close:{number}")
    [refusal] = await ask(api, tap, OTHER_RESIDENT)
    assert UNCOVERED not in refusal
    query_id = tap["callback_query"]["id"]  # type: ignore[index]
    assert query_id in [c.params["callback_query_id"] for c in api.of("answerCallbackQuery")]
    assert (await service.store.ticket(number)).status == "open"


async def test_every_button_tap_is_answered_even_with_forged_data(
    api: FakeBotApi, service: Runtime
) -> None:
    """Unknown callback data gets a polite reply, and the tap is still answered."""
    tap = make_callback_update(RESIDENT, "pick:no-such-entry-xyz")
    [reply] = await ask(api, tap, RESIDENT)
    assert reply
    answered = [c.params["callback_query_id"] for c in api.of("answerCallbackQuery")]
    assert tap["callback_query"]["id"] in answered  # type: ignore[index]


async def test_a_photo_is_a_report_forwarded_to_staff(api: FakeBotApi, service: Runtime) -> None:
    """A photo with a caption becomes a ticket; staff receive the largest size with the caption."""
    texts = await ask(api, make_photo_update(RESIDENT, caption="解放碑路口的路灯坏了"), RESIDENT)
    number = ticket_number(texts[0])
    [post] = await api.wait_for(
        lambda: api.sent(STAFF_CHAT_ID, "sendPhoto"), what="the photo in the staff group"
    )
    assert post.params["photo"] == f"photo-{RESIDENT}-1280"
    assert f"#{number}" in post.params["caption"]
    assert (await service.store.ticket(number)).attachments == (f"photo-{RESIDENT}-1280",)


@pytest.mark.parametrize(
    "make_update", [make_sticker_update, make_voice_update, make_location_update]
)
async def test_stickers_voice_and_locations_get_a_request_for_text(
    api: FakeBotApi, service: Runtime, make_update: object
) -> None:
    """Media the assistant cannot read get a short reply asking for text, and no ticket."""
    [reply] = await ask(api, make_update(RESIDENT), RESIDENT)  # type: ignore[operator]
    assert "文字" in reply or "text" in reply.lower()
    assert await service.store.tickets() == []


async def test_a_5000_character_message_is_handled_within_telegram_limits(
    api: FakeBotApi, service: Runtime
) -> None:
    """A very long message still gets a reply; everything sent fits in 4,096 characters."""
    long_text = ("我想反映一下小区的情况，" * 500)[:5000]
    [reply] = await ask(api, make_text_update(RESIDENT, long_text), RESIDENT)
    assert reply
    await api.wait_for(lambda: outbox_empty(service), what="the outbox to drain")
    assert all(text_length(_text(c)) <= MESSAGE_LIMIT for c in api.sent())


@pytest.mark.parametrize("rate", ["30", "0"], ids=["telegram-limit", "no-overall-limit"])
async def test_two_hundred_residents_writing_at_once_are_all_answered(
    api: FakeBotApi, tmp_path: Path, rate: str
) -> None:
    """200 residents ask at the same moment; every one gets an answer (latency is printed), at
    Telegram's 30 messages a second and with TELEGRAM_MAX_RATE=0."""
    residents = range(20_000, 20_200)
    pushed: dict[int, float] = {}
    async with running_service(service_settings(api, tmp_path, TELEGRAM_MAX_RATE=rate)):
        for user_id in residents:
            api.push(make_text_update(user_id, COVERED))
            pushed[user_id] = time.monotonic()
        await api.wait_for(
            lambda: all(api.sent(u) for u in residents), within=180, what="200 answers"
        )
    first = {u: api.sent(u)[0].at for u in residents}
    stats = percentiles([first[u] - pushed[u] for u in residents])
    print(
        f"\n200 residents at once, TELEGRAM_MAX_RATE={rate}: "
        + ", ".join(f"{k} {v:.2f}s" for k, v in stats.items())
    )
    assert len(first) == 200


@pytest.mark.parametrize(
    "failure",
    [pytest.param({"status": 500}, id="500"), pytest.param({"retry_after": 1}, id="429")],
)
async def test_a_reply_survives_a_bot_api_failure(
    api: FakeBotApi, service: Runtime, failure: dict[str, int]
) -> None:
    """A 500 or a 429 from sendMessage delays the answer; it still arrives, once."""
    api.fail_next("sendMessage", **failure)
    texts = await ask(api, make_text_update(RESIDENT, COVERED), RESIDENT)
    assert [c.failed for c in api.of("sendMessage")][:1] == [True]
    assert len(texts) == 1


@pytest.mark.sqlite_only  # the failure is made by dropping a table SQLite lets go (no FK)
async def test_a_failing_update_is_logged_with_its_traceback_and_the_user_told(
    api: FakeBotApi, service: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """When handling fails (here: a table the engine writes to is gone; the inbox still takes
    the update), the error handler logs the traceback and tells the user something went wrong
    instead of staying silent."""
    await service.store.execute("DROP TABLE answers")
    [apology] = await ask(api, make_text_update(RESIDENT, COVERED), RESIDENT)
    assert apology == something_went_wrong_text("zh")
    [record] = [r for r in caplog.records if r.getMessage() == "handling an update failed"]
    assert record.exc_info is not None


async def test_a_resident_over_the_ticket_limit_is_told_so(api: FakeBotApi, tmp_path: Path) -> None:
    """With MAX_OPEN_TICKETS=1 a second uncovered question gets a clear answer, not a ticket."""
    async with running_service(service_settings(api, tmp_path, MAX_OPEN_TICKETS="1")) as rt:
        await file_ticket(api, RESIDENT)
        [refusal] = await ask(api, make_text_update(RESIDENT, UNCOVERED), RESIDENT)
        assert refusal == limit_text("open", 1, "zh")
        assert len(await rt.store.tickets()) == 1
        assert len(api.sent(STAFF_CHAT_ID)) == 1


async def test_a_non_staff_reply_to_a_staff_post_is_refused(
    api: FakeBotApi, service: Runtime
) -> None:
    """A group member not in STAFF_USER_IDS replying to a ticket post does not reach the
    resident, files nothing, and learns nothing about the ticket."""
    number, post = await file_ticket(api, RESIDENT, service=service)
    before = api.texts(RESIDENT)
    fake = make_reply_update(OTHER_RESIDENT, STAFF_CHAT_ID, post.result, "我不是工作人员")
    [refusal] = await ask(api, fake, STAFF_CHAT_ID)
    assert UNCOVERED not in refusal
    assert f"#{number}" not in refusal
    assert api.texts(RESIDENT) == before
    assert len(await service.store.tickets()) == 1


@pytest.mark.parametrize("command", ["/help", "/menu", "/tongban", "/lang en", "/cancel"])
async def test_every_resident_command_is_answered(
    api: FakeBotApi, service: Runtime, command: str
) -> None:
    """Each resident command in the menu gets a reply in the same chat."""
    texts = await ask(api, make_command_update(RESIDENT, command), RESIDENT)
    assert texts[0].strip()


async def test_staff_buttons_claim_and_close_a_ticket(api: FakeBotApi, service: Runtime) -> None:
    """Staff tap 认领 then 关闭 on the post: each tap is answered, the ticket is claimed, then
    closed, and the resident is told it was closed."""
    number, post = await file_ticket(api, RESIDENT)
    before = len(api.texts(RESIDENT))
    for data, status in ((f"claim:{number}", "claimed"), (f"close:{number}", "closed")):
        api.push(make_callback_update(STAFF_USER_ID, data, message=post.result))
        await api.wait_for(
            lambda s=status: _status(service, number, s), what=f"ticket #{number} {status}"
        )
    await api.wait_for(lambda: len(api.texts(RESIDENT)) > before, what="the closing notice")
    assert f"#{number}" in api.texts(RESIDENT)[-1]
    assert len(api.of("answerCallbackQuery")) == 2


async def _status(service: Runtime, number: int, status: str) -> bool:
    return (await service.store.ticket(number)).status == status


async def test_a_read_only_database_still_gets_the_resident_an_answer(
    api: FakeBotApi, service: Runtime, database_url: str
) -> None:
    """When nothing can be written, the resident is asked to send the message again, sent
    directly since the outbox cannot hold it."""
    store = service.store
    if isinstance(store, PostgresTicketStore):
        await PostgresReadOnly(database_url, store).on()
    else:
        await store.execute("PRAGMA query_only = ON")
    [reply] = await ask(api, make_text_update(RESIDENT, UNCOVERED), RESIDENT)
    assert reply == busy_text("zh")


async def test_staff_can_work_from_a_private_chat_with_the_bot(
    api: FakeBotApi, service: Runtime
) -> None:
    """A staff member in their own chat with the bot sees a ticket and answers it with /reply."""
    number, _ = await file_ticket(api, RESIDENT)
    [details] = await ask(
        api, make_command_update(STAFF_USER_ID, f"/ticket {number}"), STAFF_USER_ID
    )
    assert UNCOVERED in details
    api.push(make_command_update(STAFF_USER_ID, f"/reply {number} 已转社保中心处理。"))
    await api.wait_for(
        lambda: any("已转社保中心处理" in t for t in api.texts(RESIDENT)), what="the answer"
    )
    assert (await service.store.ticket(number)).status == "answered"
