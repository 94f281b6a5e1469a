"""The outbox dispatcher, on the fake Bot API and a real SQLite store: retries, order, limits."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from random import Random

import pytest
from telegram import Bot

from bot.config import Settings
from bot.messages import Choice
from bot.store.backend import Store, make_store
from bot.store.model import NewTicket
from bot.transport.chunks import MESSAGE_LIMIT, split_text, text_length
from bot.transport.delivery import BATCH, GIVE_UP_AFTER, Dispatcher, utcnow
from tests.fake_bot_api import TOKEN, FakeBotApi

RESIDENT = 1001
STAFF_CHAT = -1001234567890


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url) as bot:
        yield bot


@pytest.fixture
async def dispatcher(bot: Bot, store: Store) -> AsyncIterator[Dispatcher]:
    dispatcher = Dispatcher(bot, store, backoff_base=0.05)
    dispatcher.start()
    yield dispatcher
    await dispatcher.stop()


async def test_messages_queued_before_start_up_are_sent(
    api: FakeBotApi, bot: Bot, store: Store
) -> None:
    """Whatever was in the outbox when the process died is sent when the dispatcher starts."""
    await store.enqueue(RESIDENT, "排队中的回复", kind="to_resident")
    dispatcher = Dispatcher(bot, store)
    dispatcher.start()
    try:
        await api.wait_for(lambda: api.texts(RESIDENT), what="the queued message")
    finally:
        await dispatcher.stop()
    assert api.texts(RESIDENT) == ["排队中的回复"]


async def test_choices_become_an_inline_keyboard_and_staff_posts_map_back(
    api: FakeBotApi, store: Store, dispatcher: Dispatcher
) -> None:
    """A staff post carries its buttons, and its message id leads back to the ticket."""
    new = NewTicket(RESIDENT, RESIDENT, "telegram", "unanswered", "我的社保卡丢了怎么补办")
    ticket, _ = await store.create_ticket(new, utcnow())
    n = ticket.number
    choices = ((Choice("认领", f"claim:{n}"), Choice("关闭", f"close:{n}")),)
    await store.enqueue(
        STAFF_CHAT, f"#{n} · 未解答 · 问题", choices=choices, kind="staff_post", ticket_number=n
    )
    dispatcher.wake()
    [call] = await api.wait_for(lambda: api.sent(STAFF_CHAT), what="the staff post")
    expected = {"inline_keyboard": [[
        {"text": "认领", "callback_data": f"claim:{n}"},
        {"text": "关闭", "callback_data": f"close:{n}"},
    ]]}  # fmt: skip
    assert call.params["reply_markup"] == expected
    assert "parse_mode" not in call.params
    await api.wait_for(lambda: _all_sent(store), what="mark_sent")
    assert await store.ticket_for_staff_message(STAFF_CHAT, call.result["message_id"]) == n


@pytest.mark.parametrize(
    ("failure", "expected_failed"),
    [
        pytest.param({"status": 500}, 1, id="500"),
        pytest.param({"status": 502, "times": 2}, 2, id="502-twice"),
        pytest.param({"retry_after": 1}, 1, id="429"),
    ],
)
async def test_a_failed_send_is_retried_until_delivered(
    api: FakeBotApi,
    store: Store,
    dispatcher: Dispatcher,
    failure: dict[str, int],
    expected_failed: int,
) -> None:
    """A 5xx or a 429 from sendMessage delays the message; it still arrives, exactly once."""
    api.fail_next("sendMessage", **failure)
    await store.enqueue(RESIDENT, "您的工单已答复", kind="to_resident")
    dispatcher.wake()
    await api.wait_for(lambda: api.texts(RESIDENT), within=20, what="delivery after a failure")
    attempts = api.of("sendMessage")
    assert [c.failed for c in attempts] == [True] * expected_failed + [False]
    assert api.texts(RESIDENT) == ["您的工单已答复"]


async def test_retry_after_is_honoured(
    api: FakeBotApi, store: Store, dispatcher: Dispatcher
) -> None:
    """After a 429 with retry_after=2 the message is not tried again for those 2 seconds."""
    api.fail_next("sendMessage", retry_after=2)
    await store.enqueue(RESIDENT, "一", kind="reply")
    dispatcher.wake()
    await api.wait_for(lambda: api.sent(RESIDENT), within=20, what="the message")
    failed, delivered = api.of("sendMessage")
    assert (failed.failed, delivered.failed) == (True, False)
    assert delivered.at - failed.at >= 1.9


async def test_order_within_a_chat_survives_a_failure(
    api: FakeBotApi, store: Store, dispatcher: Dispatcher
) -> None:
    """When the first of three messages fails, the three still arrive in their original order."""
    api.fail_next("sendMessage", status=500)
    for text in ("第一条", "第二条", "第三条"):
        await store.enqueue(RESIDENT, text, kind="reply")
    dispatcher.wake()
    await api.wait_for(lambda: len(api.texts(RESIDENT)) == 3, within=20, what="three messages")
    assert api.texts(RESIDENT) == ["第一条", "第二条", "第三条"]


async def test_an_unknown_chat_is_given_up_after_a_few_tries(
    api: FakeBotApi, store: Store, dispatcher: Dispatcher
) -> None:
    """A 400 "chat not found" is retried GIVE_UP_AFTER times, then left alone (and logged)."""
    api.fail_next("sendMessage", times=100, status=400)
    outbox_id = await store.enqueue(424242, "发不出去", kind="to_resident")
    dispatcher.wake()
    await api.wait_for(
        lambda: len(api.of("sendMessage")) >= GIVE_UP_AFTER, within=20, what="the retries"
    )
    await dispatcher.stop()
    assert len(api.of("sendMessage")) == GIVE_UP_AFTER
    [row] = await store.rows("SELECT attempts, sent_at FROM outbox WHERE id = ?", (outbox_id,))
    assert (row["attempts"], row["sent_at"]) == (GIVE_UP_AFTER, None)


async def test_a_long_message_is_split_with_the_buttons_on_the_last_piece(
    api: FakeBotApi, store: Store, dispatcher: Dispatcher
) -> None:
    """A 9,000-character text arrives as pieces under 4,096 characters, buttons on the last."""
    text = "这是一段很长的回答，包含很多句子。" * 530
    await store.enqueue(RESIDENT, text, choices=((Choice("👍", "fb:up:1"),),), kind="reply")
    dispatcher.wake()
    await api.wait_for(lambda: len(api.texts(RESIDENT)) == 3, what="three pieces")
    calls = api.sent(RESIDENT)
    assert all(text_length(c.params["text"]) <= MESSAGE_LIMIT for c in calls)
    assert "".join(c.params["text"] for c in calls) == text
    assert ["reply_markup" in c.params for c in calls] == [False, False, True]


async def test_a_photo_report_is_sent_as_a_photo_with_its_caption(
    api: FakeBotApi, store: Store, dispatcher: Dispatcher
) -> None:
    """An outbox message with a photo goes out with sendPhoto, the text as its caption."""
    await store.enqueue(STAFF_CHAT, "#3 · 随手拍", photo="photo-file-1", kind="staff_notice")
    dispatcher.wake()
    [call] = await api.wait_for(lambda: api.sent(STAFF_CHAT), what="the photo post")
    assert (call.method, call.params["photo"], call.params["caption"]) == (
        "sendPhoto",
        "photo-file-1",
        "#3 · 随手拍",
    )


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("短消息", id="short"),
        pytest.param("word " * 2000, id="english-words"),
        pytest.param("字" * 9000, id="cjk-without-punctuation"),
        pytest.param("第一段。\n\n" * 1500, id="paragraphs"),
        pytest.param("😀" * 3000, id="astral-emoji"),
        pytest.param("a" * 5000, id="one-huge-word"),
    ],
)
def test_split_text_keeps_every_piece_within_the_limit_and_words_whole(text: str) -> None:
    """Every piece fits Telegram's limit; no English word is cut unless it alone is too long."""
    pieces = split_text(text)
    assert all(0 < text_length(p) <= MESSAGE_LIMIT for p in pieces)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )
    if "word" in text:
        assert all(p.split()[-1] == "word" for p in pieces)


async def _all_sent(store: Store) -> bool:
    rows = await store.rows("SELECT 1 FROM outbox WHERE sent_at IS NULL")
    return not rows


async def test_stopping_sends_what_is_due_first(api: FakeBotApi, bot: Bot, store: Store) -> None:
    """Messages queued just before a clean stop are sent before the dispatcher ends."""
    dispatcher = Dispatcher(bot, store)
    dispatcher.start()
    for text in ("甲", "乙", "丙"):
        await store.enqueue(RESIDENT, text, kind="reply")
    await dispatcher.stop()
    assert api.texts(RESIDENT) == ["甲", "乙", "丙"]


async def test_a_long_caption_goes_after_the_photo_as_text(
    api: FakeBotApi, store: Store, dispatcher: Dispatcher
) -> None:
    """Captions are limited to 1,024 characters: a longer text follows the photo as a message."""
    text = "照片说明。" * 300
    await store.enqueue(STAFF_CHAT, text, photo="photo-file-2", kind="staff_notice")
    dispatcher.wake()
    await api.wait_for(lambda: len(api.sent(STAFF_CHAT)) == 2, what="photo and text")
    photo, message = api.sent(STAFF_CHAT)
    assert (photo.method, "caption" in photo.params) == ("sendPhoto", False)
    assert (message.method, message.params["text"]) == ("sendMessage", text)


async def test_a_message_given_up_on_does_not_hold_back_the_next_ones(
    api: FakeBotApi, store: Store, dispatcher: Dispatcher
) -> None:
    """After a refused message is abandoned, the chat's following messages still go out."""
    api.fail_next("sendMessage", times=GIVE_UP_AFTER, status=400)
    await store.enqueue(STAFF_CHAT, "被拒绝的一条", kind="staff_notice")
    await store.enqueue(STAFF_CHAT, "下一条", kind="staff_notice")
    dispatcher.wake()
    await api.wait_for(lambda: api.texts(STAFF_CHAT), within=20, what="the next message")
    assert api.texts(STAFF_CHAT) == ["下一条"]


async def test_a_slow_chat_does_not_hold_back_the_others(
    api: FakeBotApi, store: Store, dispatcher: Dispatcher
) -> None:
    """While sends to the staff group hang (as at Telegram's 20-a-minute group limit), with more
    messages queued for it than one look at the outbox takes in, a resident's reply queued after
    them still goes out; the staff group's messages follow in order once it is released."""
    api.hold(STAFF_CHAT)
    notices = [f"通知 {i}" for i in range(BATCH + 10)]
    for text in notices:
        await store.enqueue(STAFF_CHAT, text, kind="staff_notice")
    await store.enqueue(RESIDENT, "您的回复", kind="reply")
    dispatcher.wake()
    await api.wait_for(lambda: api.texts(RESIDENT), what="the resident's reply")
    assert api.texts(STAFF_CHAT) == []
    api.release(STAFF_CHAT)
    await api.wait_for(lambda: len(api.texts(STAFF_CHAT)) == len(notices), what="the notices")
    assert api.texts(STAFF_CHAT) == notices


async def test_chats_being_sent_to_are_skipped_when_looking_for_due_messages(
    store: Store,
) -> None:
    """The outbox query leaves out the chats the dispatcher asks it to skip."""
    for chat_id in (1, 2, 3):
        await store.enqueue(chat_id, f"to {chat_id}", kind="reply")
    due = await store.due_messages(utcnow(), skip_chats={1, 3})
    assert [m.chat_id for m in due] == [2]


async def test_replicas_draining_one_outbox_send_each_message_once_in_order(
    database_url: str,
) -> None:
    """Three stores (three replicas) claim and send from one outbox at once: every message is
    sent once, each chat's in the order queued, and a chat is never held by two replicas. On
    SQLite (one process) a claim is a read; the check runs on one replica there."""
    settings = Settings(database_url=database_url)
    replicas = [make_store(settings) for _ in range(3)]
    for replica in replicas:
        await replica.open()
    if replicas[0].dialect.name == "sqlite":
        for extra in replicas[1:]:
            await extra.close()
        replicas = replicas[:1]
    chats, per_chat = 12, 6
    queued = {
        chat: [
            await replicas[0].enqueue(chat, f"{chat}-{n}", kind="reply") for n in range(per_chat)
        ]
        for chat in range(1, chats + 1)
    }
    sent: dict[int, list[int]] = {}
    holder: dict[int, str] = {}
    overlaps: list[str] = []

    async def replica(store: Store, owner: str) -> None:
        random = Random(owner)
        idle = 0
        while idle < 5:
            claimed = await store.claim_messages(owner, utcnow(), timedelta(minutes=1), 5)
            idle = 0 if claimed else idle + 1
            for message in claimed:
                if holder.setdefault(message.chat_id, owner) != owner:
                    overlaps.append(f"chat {message.chat_id}: {holder[message.chat_id]}, {owner}")
            left = Counter(message.chat_id for message in claimed)
            for message in claimed:
                await asyncio.sleep(random.uniform(0, 0.003))  # sending it
                sent.setdefault(message.chat_id, []).append(message.id)
                left[message.chat_id] -= 1
                if not left[message.chat_id] and holder.get(message.chat_id) == owner:
                    del holder[message.chat_id]  # just before the database lets go of it
                await store.mark_sent(message, 1000 + message.id)
            await asyncio.sleep(0)

    try:
        await asyncio.gather(*(replica(s, f"replica-{n}") for n, s in enumerate(replicas)))
    finally:
        for store in replicas:
            await store.close()
    assert overlaps == []
    assert sent == queued
