"""Issue 16 over the real Application and the fake Bot API: assignment in the staff group with
the assignee told privately (and, when Telegram refuses because they never started the bot,
recorded and the group told, with no retries), internal notes that never reach the resident,
and a standard reply shown first and sent on the confirm button."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.transport.handlers import Runtime
from tests.engine_setup import knowledge
from tests.factories import (
    STAFF_CHAT_ID,
    STAFF_USER_ID,
    make_callback_update,
    make_command_update,
    make_reply_update,
    make_text_update,
)
from tests.fake_bot_api import FakeBotApi
from tests.telegram_harness import (
    next_to,
    replies_markup,
    running_service,
    service_settings,
    text_of,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("service_backend")]

RESIDENT = 5101
COLLEAGUE = 900002  # the second id in STAFF_USER_IDS (tests/telegram_harness.py)
UNCOVERED = "我的社保卡丢了怎么补办"
ENTRY = "yuzhong-building-tiers"


@pytest.fixture
async def service(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Runtime]:
    names = f"{STAFF_USER_ID}:张三,{COLLEAGUE}:李四"
    async with running_service(service_settings(api, tmp_path, STAFF=names)) as rt:
        yield rt


async def file_ticket(api: FakeBotApi) -> None:
    await next_to(api, RESIDENT, make_text_update(RESIDENT, UNCOVERED))
    await api.wait_for(
        lambda: any("#1 · " in text_of(c) for c in api.sent(STAFF_CHAT_ID)), what="the post"
    )


def in_group(text: str) -> dict[str, object]:
    return make_command_update(STAFF_USER_ID, text, chat_id=STAFF_CHAT_ID)


async def test_assign_tells_the_assignee_who_can_answer_by_replying(
    api: FakeBotApi, service: Runtime
) -> None:
    await file_ticket(api)
    confirmed = await next_to(api, STAFF_CHAT_ID, in_group(f"/assign 1 {COLLEAGUE}"))
    assert text_of(confirmed).startswith("#1 已指派给 李四。")
    notice = await api.wait_for(lambda: api.sent(COLLEAGUE), what="the private notice")
    assert "张三 把工单 #1 指派给了您" in text_of(notice[0])
    assert UNCOVERED in text_of(notice[0])
    assert (await service.store.ticket(1)).assignee == f"staff:{COLLEAGUE}"

    # Replying to the notice in the private chat answers the resident.
    answer = await next_to(
        api, RESIDENT, make_reply_update(COLLEAGUE, COLLEAGUE, notice[0].result, "已报修。")
    )
    assert "已报修。" in text_of(answer)
    assert (await service.store.ticket(1)).status == "answered"


async def test_a_refused_notice_is_recorded_and_the_group_told_once(
    api: FakeBotApi, service: Runtime
) -> None:
    """The colleague never started the bot: Telegram answers 403. The notice is not retried;
    the ticket's history records it and the staff group is told."""
    api.refuse_chat(COLLEAGUE)
    await file_ticket(api)
    api.push(in_group(f"/assign 1 {COLLEAGUE}"))
    warning = await api.wait_for(
        lambda: [c for c in api.sent(STAFF_CHAT_ID) if "无法私信通知 李四" in text_of(c)],
        what="the warning in the staff group",
    )
    assert "#1" in text_of(warning[0])
    kinds = [e.kind for e in await service.store.events(1)]
    assert kinds[-2:] == ["assigned", "notice_failed"]
    await asyncio.sleep(1.5)  # the dispatcher's first retry would come by now
    attempts = [c for c in api.of("sendMessage") if str(c.params.get("chat_id")) == str(COLLEAGUE)]
    assert len(attempts) == 1
    [row] = await service.store.rows("SELECT last_error FROM outbox WHERE kind = 'assignee_notice'")
    assert row["last_error"].startswith("gave up: Forbidden")
    assert len([c for c in api.sent(STAFF_CHAT_ID) if "无法私信通知" in text_of(c)]) == 1


async def test_a_note_never_reaches_the_resident(api: FakeBotApi, service: Runtime) -> None:
    await file_ticket(api)
    done = await next_to(api, STAFF_CHAT_ID, in_group("/note 1 市政热线说明天来修"))
    assert text_of(done) == "已给 #1 添加内部备注（居民看不到）。"
    shown = await next_to(api, STAFF_CHAT_ID, in_group("/ticket 1"))
    assert "内部备注 · 张三：市政热线说明天来修" in text_of(shown)
    await next_to(api, STAFF_CHAT_ID, in_group("/reply 1 已报修，请留意。"))
    await api.wait_for(lambda: len(api.sent(RESIDENT)) >= 2, what="the reply")
    assert not any("市政热线" in text for text in api.texts(RESIDENT))


async def test_a_standard_reply_is_previewed_then_sent_on_confirm(
    api: FakeBotApi, service: Runtime
) -> None:
    kb, _, _ = knowledge()
    answer = kb.entry(ENTRY).answer
    await file_ticket(api)
    preview = await next_to(api, STAFF_CHAT_ID, in_group(f"/reply 1 #{ENTRY}"))
    assert answer in text_of(preview)
    assert replies_markup(preview.params) == [f"send:1:#{ENTRY}"]
    await asyncio.sleep(0.3)
    assert len(api.sent(RESIDENT)) == 1  # only the ticket notice so far

    tap = make_callback_update(STAFF_USER_ID, f"send:1:#{ENTRY}", message=preview.result)
    reply = await next_to(api, RESIDENT, tap)
    assert answer in text_of(reply)
    assert (await service.store.ticket(1)).status == "answered"
