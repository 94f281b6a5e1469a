"""Issue 16, staff work through the engine on a real SQLite file: assignment (with the private
notice), release, internal notes, standard replies (knowledge-base answers and snippets, shown
first with a confirm button), queues; and the issue 15 staff-side bugs (errors in the staff
member's language, status labels as filters, staff /help)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import SettingsError, load_settings
from bot.dialogue.engine import Engine
from bot.dialogue.staff import STAFF_COMMANDS
from bot.messages import Speaker
from bot.store.backend import Store
from tests.engine_setup import T0, Clock, data, knowledge, make_engine, text
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
COLLEAGUE = 901
OUTSIDER = 555
LATER = T0 + timedelta(days=30)
ENTRY = "yuzhong-building-tiers"
STAFF = Speaker(
    ENGINE_STAFF_ID, ENGINE_STAFF_CHAT_ID, "王芳", "zh", "telegram", username="wangfang"
)
MATE = Speaker(COLLEAGUE, ENGINE_STAFF_CHAT_ID, "Li Lei", "zh", "telegram", username="lilei")
STAFF_EN = Speaker(ENGINE_STAFF_ID, ENGINE_STAFF_CHAT_ID, "王芳", "en", "telegram")


@pytest.fixture
async def engine(store: Store) -> Engine:
    """Ticket #1 from a Chinese resident; two staff members (900, 901) who have used the bot."""
    engine = make_engine(store, Clock(), staff_user_ids=frozenset({ENGINE_STAFF_ID, COLLEAGUE}))
    assert (await engine.handle(make_text(UNCOVERED))).ticket_number == 1
    for who in (STAFF, MATE):
        await engine.handle(make_command("/stats", who))  # Telegram shows them by name
    return engine


async def sent(store: Store, kind: str) -> list[tuple[int, str]]:
    return [(m.chat_id, m.text) for m in await store.due_messages(LATER) if m.kind == kind]


async def history(store: Store, number: int = 1) -> list[tuple[str, str, str]]:
    return [(e.kind, e.actor, e.text) for e in await store.events(number)]


async def test_assign_by_username_tells_the_assignee_privately(
    store: Store, engine: Engine
) -> None:
    """/assign N @username: the ticket is theirs (claimed), the history says who did it and
    when, and the assignee gets a private notice (an outbox message to their user id)."""
    outcome = await engine.handle(make_command("/assign 1 @LiLei", STAFF))
    assert outcome.notes == ("staff_assigned",)
    assert text(outcome).startswith("#1 已指派给 Li Lei。")
    ticket = await store.ticket(1)
    assert (ticket.assignee, ticket.status) == (f"staff:{COLLEAGUE}", "claimed")
    [event] = [e for e in await store.events(1) if e.kind == "assigned"]
    assert (event.actor, event.text) == (f"staff:{ENGINE_STAFF_ID}", f"staff:{COLLEAGUE}|")
    assert event.at > T0
    [(chat, notice)] = await sent(store, "assignee_notice")
    assert chat == COLLEAGUE
    assert "王芳 把工单 #1 指派给了您" in notice
    assert UNCOVERED in notice


async def test_reassign_release_and_the_history_names_everyone(
    store: Store, engine: Engine
) -> None:
    """Assign to a colleague by user id, reassign to oneself (no notice to oneself), release:
    the ticket goes back to the unassigned queue, and /ticket shows names, not ids."""
    await engine.handle(make_command(f"/assign 1 {COLLEAGUE}", STAFF))
    await engine.handle(make_command(f"/assign 1 {ENGINE_STAFF_ID}", STAFF))
    assert (await store.ticket(1)).assignee == f"staff:{ENGINE_STAFF_ID}"
    assert len(await sent(store, "assignee_notice")) == 1  # only the colleague's
    released = await engine.handle(make_command("/release 1", MATE))
    assert (released.notes, text(released)) == (("staff_released",), "#1 已释放，回到未分配队列。")
    ticket = await store.ticket(1)
    assert (ticket.assignee, ticket.status) == (None, "open")
    assert [(k, a) for k, a, _ in await history(store)][-3:] == [
        ("assigned", f"staff:{ENGINE_STAFF_ID}"),
        ("assigned", f"staff:{ENGINE_STAFF_ID}"),
        ("released", f"staff:{COLLEAGUE}"),
    ]
    shown = text(await engine.handle(make_command("/ticket 1", STAFF)))
    assert "指派 · 王芳：Li Lei" in shown
    assert "指派 · 王芳：王芳（原负责人 Li Lei）" in shown
    assert "释放 · Li Lei：王芳" in shown
    assert "staff:" not in shown


async def test_assigning_a_ticket_to_its_holder_again_tells_nobody_twice(
    store: Store, engine: Engine
) -> None:
    """A second /assign to the same colleague changes nothing: one notice, one history line."""
    await engine.handle(make_command("/assign 1 @LiLei", STAFF))
    again = await engine.handle(make_command("/assign 1 @LiLei", STAFF))
    assert text(again).startswith("#1 已指派给 Li Lei。")
    assert len(await sent(store, "assignee_notice")) == 1
    assert [k for k, _, _ in await history(store)].count("assigned") == 1


@pytest.mark.parametrize(
    ("command", "note", "words"),
    [
        ("/assign 1 @nobody", "staff_unknown_staff", "不认识 @nobody"),
        (f"/assign 1 {OUTSIDER}", "staff_not_staff", f"{OUTSIDER} 不是工作人员"),
        ("/assign 1", "staff_usage", "用法：/assign N @用户名|用户id"),
        ("/release 1", "staff_invalid", "工单 #1 目前没有负责人，无需释放。"),
        ("/assign 99 @lilei", "staff_not_found", "没有工单 #99。"),
    ],
)
async def test_assignment_errors_are_clear_and_change_nothing(
    store: Store, engine: Engine, command: str, note: str, words: str
) -> None:
    outcome = await engine.handle(make_command(command, STAFF))
    assert (outcome.notes, words in text(outcome)) == ((note,), True), text(outcome)
    assert (await store.ticket(1)).assignee is None
    assert await sent(store, "assignee_notice") == []


async def test_a_note_stays_internal(store: Store, engine: Engine) -> None:
    """/note N text is in the history and /ticket, never in anything queued for the resident."""
    outcome = await engine.handle(make_command("/note 1 已电话联系气象台，等回电", STAFF))
    assert (outcome.notes, text(outcome)) == (
        ("staff_noted",),
        "已给 #1 添加内部备注（居民看不到）。",
    )
    assert ("note", f"staff:{ENGINE_STAFF_ID}", "已电话联系气象台，等回电") in await history(store)
    assert (await store.ticket(1)).status == "open"  # a note changes nothing else
    assert "内部备注 · 王芳：已电话联系气象台，等回电" in text(
        await engine.handle(make_command("/ticket 1", STAFF))
    )
    to_resident = [t for chat, t in await sent(store, "to_resident") if chat == RESIDENT_ID]
    replies = [t for chat, t in await sent(store, "reply") if chat == RESIDENT_ID]
    assert not any("气象台" in t for t in to_resident + replies)


async def test_a_knowledge_base_answer_is_shown_first_then_sent_on_confirm(
    store: Store, engine: Engine
) -> None:
    """/reply N #entry-id shows the answer with a confirm button and sends nothing; tapping
    the button sends it as the staff reply."""
    kb, _, _ = knowledge()
    answer = kb.entry(ENTRY).answer
    preview = await engine.handle(make_command(f"/reply 1 #{ENTRY}", STAFF))
    assert preview.notes == ("staff_preview",)
    assert answer in text(preview)
    assert data(preview) == [f"send:1:#{ENTRY}"]
    assert (await store.ticket(1)).status == "open"
    assert await sent(store, "to_resident") == []

    done = await engine.handle(make_choice(f"send:1:#{ENTRY}", STAFF))
    assert done.notes == ("staff_replied",)
    [(chat, message)] = await sent(store, "to_resident")
    assert (chat, answer in message) == (RESIDENT_ID, True)
    assert (await store.ticket(1)).last_staff_reply == answer


async def test_an_english_residents_standard_reply_is_in_english(
    store: Store, engine: Engine
) -> None:
    """The standard reply is in the ticket's language: the entry's English answer."""
    english = make_speaker(202, language="en")
    await engine.handle(make_text("What is the weather on Mars tomorrow?", english))
    kb, _, _ = knowledge()
    entry = kb.entry(ENTRY)
    assert entry.answer_en
    preview = await engine.handle(make_command(f"/reply 2 #{ENTRY}", STAFF))
    assert entry.answer_en in text(preview)
    assert "（英文）" in text(preview)
    await engine.handle(make_choice(f"send:2:#{ENTRY}", STAFF))
    [(_, message)] = [m for m in await sent(store, "to_resident") if m[0] == 202]
    assert entry.answer_en in message
    assert entry.answer not in message


async def test_a_snippet_is_sent_the_same_way(store: Store, engine: Engine) -> None:
    """A saved snippet: /snippets lists it, /reply N $name previews it, the button sends it."""
    await store.save_snippet("转气象", "您的问题已转交区气象局，请留意回复。", "cli", T0)
    listed = await engine.handle(make_command("/snippets", STAFF))
    assert "$转气象 — 您的问题已转交区气象局" in text(listed)
    preview = await engine.handle(make_command("/reply 1 $转气象", STAFF))
    assert data(preview) == ["send:1:$转气象"]
    await engine.handle(make_choice("send:1:$转气象", STAFF))
    [(_, message)] = await sent(store, "to_resident")
    assert "您的问题已转交区气象局，请留意回复。" in message


@pytest.mark.parametrize(
    ("command", "note", "words"),
    [
        ("/reply 1 #no-such-entry", "staff_unknown_entry", "知识库里没有条目 no-such-entry。"),
        ("/reply 1 $nothing", "staff_unknown_snippet", "没有名为 nothing 的答复口径"),
    ],
)
async def test_an_unknown_standard_reply_is_refused(
    store: Store, engine: Engine, command: str, note: str, words: str
) -> None:
    outcome = await engine.handle(make_command(command, STAFF))
    assert (outcome.notes, words in text(outcome)) == ((note,), True), text(outcome)
    assert (await store.ticket(1)).status == "open"


async def test_a_forged_send_button_from_a_resident_is_refused(
    store: Store, engine: Engine
) -> None:
    outcome = await engine.handle(make_choice(f"send:1:#{ENTRY}"))
    assert outcome.notes == ("refused",)
    assert await sent(store, "to_resident") == []


@pytest.mark.parametrize(
    ("filter_word", "shown"),
    [
        ("", [2, 3]),  # the work queue (open and claimed), oldest first
        ("mine", [2]),
        ("我的", [2]),
        ("unassigned", [4, 3]),  # not closed, nobody holds it
        ("未分配", [4, 3]),
        ("已办结", [1]),  # a status label, as lists print it
        ("closed", [1]),
        ("已回复", [4]),
        ("all", [4, 3, 2, 1]),
    ],
)
async def test_queues(store: Store, engine: Engine, filter_word: str, shown: list[int]) -> None:
    """/tickets with a queue name (English or Chinese) or a status label."""
    for index, question in enumerate(("河马吃什么", "月亮上能种菜吗", "恐龙为什么灭绝")):
        await engine.handle(make_text(question, make_speaker(300 + index)))
    await engine.handle(make_command("/close 1", STAFF))
    await engine.handle(make_command("/claim 2", STAFF))
    await engine.handle(make_command("/reply 4 请补充说明", MATE))
    await engine.handle(make_command("/release 4", MATE))
    outcome = await engine.handle(make_command(f"/tickets {filter_word}".strip(), STAFF))
    numbers = [int(line.split(" · ")[0][1:]) for line in text(outcome).splitlines()]
    assert numbers == shown


@pytest.mark.parametrize("word", ["due", "即将超时", "overdue", "已超时", "rated-bad", "差评"])
async def test_time_limit_and_rating_queues_answer(engine: Engine, word: str) -> None:
    """The due-time and rating queues are real queues now (empty here: nothing filed)."""
    outcome = await engine.handle(make_command(f"/tickets {word}", STAFF))
    assert outcome.notes == ("staff_list",)


async def test_an_unknown_filter_lists_the_ones_there_are(engine: Engine) -> None:
    outcome = await engine.handle(make_command("/tickets 昨天", STAFF))
    assert "不认识“昨天”" in text(outcome)
    assert "未分配" in text(outcome)


@pytest.mark.parametrize(
    ("commands", "staff", "expected"),
    [
        (["/reopen 1"], STAFF, "工单 #1 当前是“待处理”，没有关闭，不需要重新打开。"),
        (
            ["/close 1", "/reply 1 好的"],
            STAFF,
            "工单 #1 已办结，不能这样操作；需要的话先发送 /reopen 1 重新打开。",
        ),
        (["/reopen 1"], STAFF_EN, "Ticket #1 is waiting, not closed; there is nothing to reopen."),
        (["/reply 1 "], STAFF, "用法：/reply N 回复内容（或 #条目id、$口径名）"),
    ],
)
async def test_errors_are_in_the_staff_members_language(
    engine: Engine, commands: list[str], staff: Speaker, expected: str
) -> None:
    """Issue 15: no raw English "ticket #1 is open, not closed" in a Chinese reply."""
    for command in commands:
        outcome = await engine.handle(make_command(command, staff))
    assert text(outcome) == expected
    assert "not closed" not in text(outcome) or staff is STAFF_EN


async def test_staff_help_lists_staff_commands(engine: Engine) -> None:
    """Staff /help adds the staff commands; a resident's /help has none of them."""
    staff_help = text(await engine.handle(make_command("/help", STAFF)))
    resident_help = text(await engine.handle(make_command("/help")))
    for command in (*STAFF_COMMANDS, "reload"):
        assert (f"/{command}" in staff_help, f"/{command} " in resident_help) == (True, False)
    assert staff_help.startswith(resident_help)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ()),
        ("12:张三, 7:Li Lei", ((7, "Li Lei"), (12, "张三"))),
    ],
)
def test_the_staff_setting_names_staff(value: str, expected: tuple[tuple[int, str], ...]) -> None:
    assert load_settings({"STAFF": value}, env_file=None).staff == expected


@pytest.mark.parametrize("value", ["张三", "x:张三", "12:", "12=张三"])
def test_a_bad_staff_setting_names_the_variable_and_value(value: str) -> None:
    with pytest.raises(SettingsError, match=f"STAFF has value '{value}'"):
        load_settings({"STAFF": value}, env_file=None)


async def test_replying_to_the_post_with_an_entry_id_previews_it_too(
    store: Store, engine: Engine
) -> None:
    """A staff reply to the ticket's post that is just `#entry-id` is a standard reply."""
    [post] = [m for m in await store.due_messages(LATER) if m.kind == "staff_post"]
    await store.mark_sent(post, 777)
    outcome = await engine.handle(make_text(f"#{ENTRY}", STAFF, reply_to=777))
    assert (outcome.notes, data(outcome)) == (("staff_preview",), [f"send:1:#{ENTRY}"])
    assert (await store.ticket(1)).status == "open"


async def test_confirming_a_snippet_removed_since_the_preview_sends_nothing(
    store: Store, engine: Engine
) -> None:
    await store.save_snippet("旧口径", "旧的说法", "cli", T0)
    await engine.handle(make_command("/reply 1 $旧口径", STAFF))
    await store.remove_snippet("旧口径")
    outcome = await engine.handle(make_choice("send:1:$旧口径", STAFF))
    assert outcome.notes == ("staff_unknown_snippet",)
    assert await sent(store, "to_resident") == []
    assert (await store.ticket(1)).status == "open"
