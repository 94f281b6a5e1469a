"""Staff work through the engine: commands, buttons, replies to staff posts, and the refusal
everyone else gets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dialogue.engine import Engine
from bot.messages import Speaker
from bot.store.backend import Store
from tests.engine_setup import T0, Clock, data, make_engine, text
from tests.factories import (
    ENGINE_STAFF_CHAT_ID,
    ENGINE_STAFF_ID,
    RESIDENT_ID,
    make_choice,
    make_command,
    make_speaker,
    make_text,
)

UNCOVERED = "火星上明天的天气预报是什么"
LATER = T0 + timedelta(days=30)
STAFF = make_speaker(ENGINE_STAFF_ID)
STAFF_IN_GROUP = Speaker(ENGINE_STAFF_ID, ENGINE_STAFF_CHAT_ID, "值班", "zh", "telegram")


@pytest.fixture
async def engine(store: Store) -> Engine:
    engine = make_engine(store, Clock())
    outcome = await engine.handle(make_text(UNCOVERED))
    assert outcome.ticket_number == 1
    return engine


async def outbox(store: Store, kind: str) -> list[str]:
    return [m.text for m in await store.due_messages(LATER) if m.kind == kind]


async def test_a_new_ticket_is_posted_to_the_staff_chat(store: Store, engine: Engine) -> None:
    """One staff post per ticket, with claim/close buttons and the masked question."""
    [post] = [m for m in await store.due_messages(LATER) if m.kind == "staff_post"]
    assert (post.chat_id, post.ticket_number) == (ENGINE_STAFF_CHAT_ID, 1)
    assert post.text.startswith("#1 · 未答问题 · 火星")
    assert [c.data for row in post.choices for c in row] == ["claim:1", "close:1"]


@pytest.mark.parametrize(
    "incoming",
    [
        make_command("/tickets"),
        make_command("/ticket 1"),
        make_command("/ticket 999"),
        make_command("/reply 1 你好"),
        make_command("/reply 999 你好"),
        make_command("/close 1"),
        make_command("/claim 1"),
        make_command("/reopen 1"),
        make_command("/stats"),
        make_choice("claim:1"),
        make_choice("close:999"),
    ],
    ids=lambda i: i.text or i.choice,
)
async def test_non_staff_get_one_neutral_refusal(
    store: Store, engine: Engine, incoming: object
) -> None:
    """Whether or not the ticket exists, a resident sees the same refusal and nothing changes."""
    outcome = await engine.handle(incoming)  # type: ignore[arg-type]
    assert (outcome.notes, text(outcome)) == (
        ("refused",),
        "这个操作仅限工作人员使用。 (Staff only.)",
    )
    assert (await store.ticket(1)).status == "open"


async def test_staff_claim_reply_close_reopen(store: Store, engine: Engine) -> None:
    """Each staff command changes the ticket; replies and closing are queued for the resident."""
    steps = [
        ("/claim 1", "staff_claimed", "claimed"),
        ("/reply 1 已经转交气象部门。", "staff_replied", "answered"),
        ("/close 1 已答复", "staff_closed", "closed"),
        ("/reopen 1", "staff_reopened", "claimed"),
    ]
    for command, note, status in steps:
        outcome = await engine.handle(make_command(command, STAFF))
        assert (outcome.notes[0], (await store.ticket(1)).status) == (note, status), text(outcome)
    to_resident = [m for m in await store.due_messages(LATER) if m.kind == "to_resident"]
    assert [(m.chat_id, m.ticket_number) for m in to_resident] == [(RESIDENT_ID, 1)] * 3
    assert "已经转交气象部门。" in to_resident[0].text
    assert "您的问题：火星" in to_resident[0].text  # the reply quotes the question it answers
    assert "已重新打开" in to_resident[2].text  # reopening tells the resident
    assert data_of(to_resident[0]) == ["add:1"]
    assert "已办结" in to_resident[1].text
    assert "已答复" not in to_resident[1].text  # the close note stays internal
    kinds = [(e.kind, e.actor) for e in await store.events(1)]
    assert kinds[1:] == [
        ("claimed", f"staff:{ENGINE_STAFF_ID}"),
        ("staff_reply", f"staff:{ENGINE_STAFF_ID}"),
        ("closed", f"staff:{ENGINE_STAFF_ID}"),
        ("reopened", f"staff:{ENGINE_STAFF_ID}"),
    ]


def data_of(message: object) -> list[str]:
    return [c.data for row in message.choices for c in row]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("command", "note", "words"),
    [
        ("/tickets", "staff_list", "#1 · 待处理 · 未答问题"),
        ("/tickets closed", "staff_list", "没有符合条件的工单"),
        ("/ticket 1", "staff_show", "记录："),
        ("/ticket 42", "staff_not_found", "没有工单 #42"),
        ("/stats", "staff_stats", "新工单：1"),
        ("/reply 1", "staff_usage", "/reply N 回复内容"),
        ("/claim abc", "staff_usage", "/claim N"),
        ("/reopen 1", "staff_invalid", "当前是“待处理”，没有关闭"),
    ],
)
async def test_staff_commands_answer(engine: Engine, command: str, note: str, words: str) -> None:
    """Lists, details, stats, usage help and clear errors for staff."""
    outcome = await engine.handle(make_command(command, STAFF))
    assert (outcome.notes[0], words in text(outcome)) == (note, True), text(outcome)


async def test_staff_buttons_claim_and_close(store: Store, engine: Engine) -> None:
    """认领 and 关闭 under a staff post work for staff."""
    assert (await engine.handle(make_choice("claim:1", STAFF_IN_GROUP))).notes == ("staff_claimed",)
    assert (await store.ticket(1)).assignee == f"staff:{ENGINE_STAFF_ID}"
    assert (await engine.handle(make_choice("close:1", STAFF_IN_GROUP))).notes == ("staff_closed",)
    assert (await store.ticket(1)).status == "closed"


async def test_a_reply_to_the_staff_post_answers_the_resident(store: Store, engine: Engine) -> None:
    """Staff reply to the ticket's post in the group: that text goes to the resident."""
    [post] = [m for m in await store.due_messages(LATER) if m.kind == "staff_post"]
    await store.mark_sent(post.id, 7001)
    outcome = await engine.handle(make_text("明天晴。", STAFF_IN_GROUP, reply_to=7001))
    assert outcome.notes == ("staff_replied",)
    assert (await store.ticket(1)).last_staff_reply == "明天晴。"
    assert any("明天晴。" in t for t in await outbox(store, "to_resident"))


async def test_a_non_staff_reply_to_a_staff_post_is_refused(store: Store, engine: Engine) -> None:
    """Someone else in the staff chat replying to a post: refused, nothing sent, no ticket."""
    [post] = [m for m in await store.due_messages(LATER) if m.kind == "staff_post"]
    await store.mark_sent(post.id, 7002)
    bystander = Speaker(555, ENGINE_STAFF_CHAT_ID, "路人", "zh", "telegram")
    outcome = await engine.handle(make_text("我来回答", bystander, reply_to=7002))
    assert outcome.notes == ("refused",)
    assert (await store.ticket(1)).status == "open"
    assert len(await store.tickets()) == 1
    assert await outbox(store, "to_resident") == []


async def test_a_staff_question_makes_the_next_message_a_followup(
    store: Store, engine: Engine
) -> None:
    """After staff ask something, the resident's answer is appended to the ticket."""
    await engine.handle(make_command("/reply 1 请问是哪一天？", STAFF))
    outcome = await engine.handle(make_text("下周一"))
    assert (outcome.notes, outcome.ticket_number) == (("followup_saved",), 1)
    events = await store.events(1)
    assert (events[-1].kind, events[-1].text) == ("resident_followup", "下周一")
    assert (await store.ticket(1)).status == "claimed"
    assert any(t.startswith("#1 居民补充") for t in await outbox(store, "staff_notice"))


async def test_show_gives_staff_the_full_phone_and_the_post_masks_it(
    store: Store,
) -> None:
    """The phone is stored in full; only staff's /ticket N shows it whole."""
    engine = make_engine(store, Clock())
    for incoming in (
        make_command("/tongban"),
        make_choice("tb:yz"),
        make_text("开居住证明"),
        make_text("13812345678"),
    ):
        outcome = await engine.handle(incoming)
    assert "13812345678" not in text(outcome)
    assert (await store.ticket(1)).phone == "13812345678"
    [post] = await outbox(store, "staff_post")
    assert "138****5678" in post
    assert "13812345678" not in post
    assert "13812345678" in text(await engine.handle(make_command("/ticket 1", STAFF)))
    assert "13812345678" not in text(await engine.handle(make_command("/tickets", STAFF)))
    ticket_text = (await store.ticket(1)).text
    assert ticket_text.startswith("跨区通办：开居住证明\n")
    assert (
        "接件社区的工作人员将材料送到居民所属社区（大坪街道 · 渝中区）的服务大厅办理" in ticket_text
    )


async def test_no_staff_chat_means_no_staff_posts(store: Store) -> None:
    """Without STAFF_CHAT_ID the ticket is still filed; staff find it in the CLI."""
    engine = make_engine(store, Clock(), staff_chat_id=None)
    assert (await engine.handle(make_text(UNCOVERED))).ticket_number == 1
    assert await store.due_messages(LATER) == []


async def test_a_photo_report_is_posted_with_the_photo(store: Store) -> None:
    """A photo becomes a report ticket holding the file; the staff post carries the photo."""
    from tests.factories import make_photo

    engine = make_engine(store, Clock())
    outcome = await engine.handle(make_photo("AgAD-file", "路口井盖丢了"))
    ticket = await store.ticket(outcome.ticket_number or 0)
    assert (ticket.category, ticket.attachments, ticket.text) == (
        "report",
        ("AgAD-file",),
        "路口井盖丢了",
    )
    [post] = [m for m in await store.due_messages(LATER) if m.kind == "staff_post"]
    assert post.photo == "AgAD-file"


async def test_staff_commands_from_the_resident_side_are_not_resident_buttons(
    engine: Engine,
) -> None:
    """A staff member chatting privately still gets normal answers to questions."""
    outcome = await engine.handle(make_text("你好", STAFF))
    assert outcome.notes == ("greeting",)
    assert data(outcome)


async def test_tickets_lists_the_work_queue_oldest_first(store: Store, engine: Engine) -> None:
    """/tickets shows tickets still waiting for staff (open or claimed), oldest first."""
    await engine.handle(make_text("月球上的停车场怎么收费", make_speaker(RESIDENT_ID + 1)))
    await engine.handle(make_text("海底隧道几点通车", make_speaker(RESIDENT_ID + 2)))
    await engine.handle(make_command("/reply 2 已回复", STAFF))
    listing = text(await engine.handle(make_command("/tickets", STAFF)))
    numbers = [line.split(" ")[0] for line in listing.splitlines() if line.startswith("#")]
    assert numbers == ["#1", "#3"]
