"""Follow-ups are never dropped, and never swallow a new question: a 补充说明 that arrives as
staff close the ticket is kept with it (staff told); after a staff reply that asks something,
a covered question is answered unless it is a Telegram reply to the staff message."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.dialogue.engine import Engine
from bot.store.backend import Store
from bot.words import followup_after_close_text
from tests.engine_setup import T0, Clock, make_engine
from tests.factories import (
    ENGINE_STAFF_ID,
    STAFF_CHAT_ID,
    STAFF_USER_ID,
    make_callback_update,
    make_choice,
    make_command,
    make_command_update,
    make_reply_update,
    make_speaker,
    make_text,
    make_text_update,
)
from tests.fake_bot_api import FakeBotApi
from tests.telegram_harness import running_service, service_settings

UNCOVERED = "火星上明天的天气预报是什么"
COVERED = "渝中区有多少栋建成楼宇"  # a question of entry yuzhong-building-tiers, word for word
LATER = T0 + timedelta(days=30)
STAFF = make_speaker(ENGINE_STAFF_ID)


@pytest.fixture
async def engine(store: Store) -> Engine:
    engine = make_engine(store, Clock())
    assert (await engine.handle(make_text(UNCOVERED))).ticket_number == 1
    return engine


async def staff_notices(store: Store) -> list[str]:
    return [m.text for m in await store.due_messages(LATER) if m.kind == "staff_notice"]


async def test_a_followup_sent_as_staff_close_the_ticket_is_kept(
    store: Store, engine: Engine
) -> None:
    """补充说明 opened, staff close, the text arrives: it is on the (still closed) ticket, the
    resident is told so, and staff get a notice saying it came after closing."""
    await engine.handle(make_choice("add:1"))
    await engine.handle(make_command("/close 1 已处理", STAFF))
    outcome = await engine.handle(make_text("还有一件事：路口的灯也坏了"))
    assert (outcome.notes, outcome.ticket_number) == (("followup_after_close",), 1)
    ticket = await store.ticket(1)
    assert ticket.status == "closed"
    last = (await store.events(1))[-1]
    assert (last.kind, last.text) == ("resident_followup", "还有一件事：路口的灯也坏了")
    [notice] = await staff_notices(store)
    assert notice.startswith("#1（已关闭，关闭后收到；需要时 /reopen 1） 居民补充")


async def test_a_covered_question_after_a_staff_question_is_answered(
    store: Store, engine: Engine
) -> None:
    """Staff ask "…？"; the resident asks something the knowledge base covers: answered, the
    ticket untouched, and the flow over (the next uncovered message is a new ticket)."""
    await engine.handle(make_command("/reply 1 请问是哪一天？", STAFF))
    outcome = await engine.handle(make_text(COVERED))
    assert outcome.notes[0] == "answer"
    assert [e.kind for e in await store.events(1)] == ["created", "staff_reply"]
    assert await staff_notices(store) == []
    assert (await engine.handle(make_text("金星上有没有火锅店"))).ticket_number == 2


async def test_an_uncovered_answer_to_a_staff_question_is_a_followup(
    store: Store, engine: Engine
) -> None:
    await engine.handle(make_command("/reply 1 请问是哪一天？", STAFF))
    outcome = await engine.handle(make_text("下周一上午"))
    assert (outcome.notes, outcome.ticket_number) == (("followup_saved",), 1)


async def test_a_reply_to_the_staff_message_is_a_followup_even_when_covered(
    store: Store, engine: Engine
) -> None:
    """Replying (Telegram reply) to the staff message makes any text the answer to it, in the
    flow or after it."""
    await engine.handle(make_command("/reply 1 您问的是楼宇数量吗？", STAFF))
    [message] = [m for m in await store.due_messages(LATER) if m.kind == "to_resident"]
    await store.mark_sent(message, 8001)
    outcome = await engine.handle(make_text(COVERED, reply_to=8001))
    assert (outcome.notes, outcome.ticket_number) == (("followup_saved",), 1)
    again = await engine.handle(make_text("补充：是建成的", reply_to=8001))  # flow over
    assert (again.notes, again.ticket_number) == (("followup_saved",), 1)
    followups = [e.text for e in await store.events(1) if e.kind == "resident_followup"]
    assert followups == [COVERED, "补充：是建成的"]


@pytest.mark.slow
@pytest.mark.usefixtures("service_backend")
async def test_followups_over_the_real_application(api: FakeBotApi, tmp_path: Path) -> None:
    """The real Application: (1) a covered question after a staff question gets its answer;
    (2) a reply to the staff message is a follow-up; (3) a 补充说明 sent as staff close the
    ticket is kept, the resident and the group are told."""
    resident = 5401
    async with running_service(service_settings(api, tmp_path)) as rt:
        api.push(make_text_update(resident, UNCOVERED))
        [post] = await api.wait_for(lambda: api.sent(STAFF_CHAT_ID), what="the staff post")
        api.push(make_reply_update(STAFF_USER_ID, STAFF_CHAT_ID, post.result, "请问是哪一天？"))
        await api.wait_for(lambda: len(api.sent(resident)) >= 2, what="the staff reply")
        staff_message = api.sent(resident)[1]

        api.push(make_text_update(resident, COVERED))
        await api.wait_for(lambda: len(api.sent(resident)) >= 3, what="the answer")
        assert "楼宇" in api.texts(resident)[2]
        assert [e.kind for e in await rt.store.events(1)] == ["created", "staff_reply"]

        api.push(make_reply_update(resident, resident, staff_message.result, "下周一"))
        await api.wait_for(lambda: len(api.sent(resident)) >= 4, what="the follow-up reply")
        assert "已补充到工单 #1" in api.texts(resident)[3]

        api.push(make_callback_update(resident, "add:1"))
        await api.wait_for(lambda: len(api.sent(resident)) >= 5, what="the follow-up prompt")
        api.push(make_callback_update(STAFF_USER_ID, "close:1", message=post.result))
        await api.wait_for(lambda: len(api.sent(resident)) >= 6, what="the closing notice")
        api.push(make_text_update(resident, "还有：路口的灯也坏了"))
        await api.wait_for(lambda: len(api.sent(resident)) >= 7, what="the late follow-up")
        assert api.texts(resident)[6] == followup_after_close_text(1, "zh")
        await api.wait_for(
            lambda: any("关闭后收到" in t for t in api.texts(STAFF_CHAT_ID)), what="the notice"
        )
        events = [(e.kind, e.text) for e in await rt.store.events(1)]
        assert events[-1] == ("resident_followup", "还有：路口的灯也坏了")
        assert (await rt.store.ticket(1)).status == "closed"
        api.push(make_command_update(resident, "/mytickets"))
        await api.wait_for(lambda: len(api.sent(resident)) >= 8, what="/mytickets")
