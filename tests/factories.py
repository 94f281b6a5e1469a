"""Test inputs in one place, for the two levels at which the tests drive the bot.

- Telegram update dicts: JSON-ready updates as the Bot API sends them, to push through the fake
  Bot API (tests/fake_bot_api.py) into the real Application (cf. PTB's
  tests/auxil/build_messages.py).
- Engine inputs: the `Incoming` values (and their `Speaker`) that a transport hands the dialogue
  engine, for the engine's tests, which run without Telegram.

Message ids come from counters, so two calls never make the same message unless a test reuses an
update or passes `message_id` on purpose (to test idempotency).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from bot.messages import Incoming, Speaker
from tests.fake_bot_api import BOT_USER

# ---------------------------------------------------------------------------------------------
# Telegram update dicts
# ---------------------------------------------------------------------------------------------

STAFF_CHAT_ID = -1001234567890
STAFF_USER_ID = 900001

# Each section keeps its own message id counter, as when they were two modules, so every test
# still gets the ids it got before: one shared counter would make the ids one section hands out
# depend on how many the other has used. The engine's starts at 1000 to stay clear of the small
# ids engine tests pass on purpose (`message_id=31`) to redeliver the same message.
_update_message_ids = itertools.count(1)
_callback_ids = itertools.count(1)


def make_user(user_id: int, name: str = "居民", language: str | None = "zh-hans") -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": name}
    if language is not None:
        user["language_code"] = language
    return user


def make_chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "居民"}
    return {"id": chat_id, "type": "supergroup", "title": "渝中工单工作群"}


def make_message(
    user_id: int, chat_id: int | None = None, *, language: str | None = "zh-hans", **fields: Any
) -> dict[str, Any]:
    """A message from `user_id` in `chat_id` (their private chat unless given)."""
    return {
        "message_id": next(_update_message_ids),
        "date": int(time.time()),
        "chat": make_chat(user_id if chat_id is None else chat_id),
        "from": make_user(user_id, language=language),
        **fields,
    }


def make_text_update(user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
    return {"message": make_message(user_id, text=text, **kwargs)}


def make_command_update(user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
    """A command message, with the `bot_command` entity Telegram adds to it."""
    command = text.split(maxsplit=1)[0]
    entity = {"type": "bot_command", "offset": 0, "length": len(command)}
    return {"message": make_message(user_id, text=text, entities=[entity], **kwargs)}


def make_reply_update(
    user_id: int, chat_id: int, replied: dict[str, Any], text: str
) -> dict[str, Any]:
    """A text message replying to one of the bot's messages (`replied`: as the API returned it)."""
    return {"message": make_message(user_id, chat_id, text=text, reply_to_message=replied)}


def make_callback_update(
    user_id: int, data: str, message: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A tap on an inline button whose callback data is `data`."""
    if message is None:
        message = {
            "message_id": next(_update_message_ids),
            "date": int(time.time()),
            "chat": make_chat(user_id),
            "from": BOT_USER,
            "text": "…",
        }
    return {
        "callback_query": {
            "id": f"cb{next(_callback_ids)}",
            "from": make_user(user_id),
            "chat_instance": f"ci{user_id}",
            "message": message,
            "data": data,
        }
    }


def make_photo_update(user_id: int, caption: str | None = None) -> dict[str, Any]:
    """A photo in three sizes, as Telegram sends it; the last one is the largest."""
    sizes = [
        {"file_id": f"photo-{user_id}-{w}", "file_unique_id": f"u{w}", "width": w, "height": w}
        for w in (90, 320, 1280)
    ]
    fields: dict[str, Any] = {"photo": sizes}
    if caption is not None:
        fields["caption"] = caption
    return {"message": make_message(user_id, **fields)}


def make_sticker_update(user_id: int) -> dict[str, Any]:
    sticker = {
        "file_id": "sticker-1",
        "file_unique_id": "s1",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    return {"message": make_message(user_id, sticker=sticker)}


def make_voice_update(user_id: int) -> dict[str, Any]:
    voice = {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3}
    return {"message": make_message(user_id, voice=voice)}


def make_location_update(user_id: int) -> dict[str, Any]:
    return {"message": make_message(user_id, location={"latitude": 29.55, "longitude": 106.57})}


def make_inline_callback_update(user_id: int, data: str) -> dict[str, Any]:
    """A tap on a button of an inline-mode message: no `message`, only `inline_message_id`."""
    return {
        "callback_query": {
            "id": f"cb{next(_callback_ids)}",
            "from": make_user(user_id),
            "chat_instance": f"ci{user_id}",
            "inline_message_id": f"inline-{user_id}",
            "data": data,
        }
    }


def make_edited_update(user_id: int, text: str) -> dict[str, Any]:
    """A message the user edited after sending it."""
    message = make_message(user_id, text=text)
    message["edit_date"] = message["date"] + 5
    return {"edited_message": message}


def make_channel_post_update(channel_id: int, text: str) -> dict[str, Any]:
    """A post in a channel the bot was added to: the sender is the channel, not a user."""
    return {
        "channel_post": {
            "message_id": next(_update_message_ids),
            "date": int(time.time()),
            "chat": {"id": channel_id, "type": "channel", "title": "渝中发布"},
            "sender_chat": {"id": channel_id, "type": "channel", "title": "渝中发布"},
            "text": text,
        }
    }


def make_senderless_update(chat_id: int, text: str) -> dict[str, Any]:
    """A message with no `from` (sent on behalf of a chat, e.g. by an anonymous group admin)."""
    message = make_message(1, chat_id, text=text)
    del message["from"]
    message["sender_chat"] = make_chat(chat_id)
    return {"message": message}


# ---------------------------------------------------------------------------------------------
# Engine inputs
# ---------------------------------------------------------------------------------------------
# The engine tests configure their own staff user and staff chat (tests/engine_setup.py), apart
# from the Telegram ones above; hence the ENGINE_ prefix.

RESIDENT_ID = 101
ENGINE_STAFF_ID = 900
ENGINE_STAFF_CHAT_ID = -100500

# Its own message id counter: see the comment above `_update_message_ids`.
_engine_message_ids = itertools.count(1000)


def make_speaker(
    user_id: int = RESIDENT_ID, *, language: str | None = "zh-hans", channel: str = "telegram"
) -> Speaker:
    return Speaker(user_id, user_id, f"居民{user_id}", language, channel)


def _id(message_id: int | None) -> int:
    return next(_engine_message_ids) if message_id is None else message_id


def make_text(
    text: str,
    speaker: Speaker | None = None,
    *,
    message_id: int | None = None,
    reply_to: int | None = None,
) -> Incoming:
    return Incoming(
        speaker or make_speaker(),
        "text",
        text=text,
        message_id=_id(message_id),
        reply_to_message_id=reply_to,
    )


def make_command(text: str, speaker: Speaker | None = None) -> Incoming:
    """`/reply 3 好的`: the command with its arguments, as the transports pass it."""
    return Incoming(speaker or make_speaker(), "command", text=text, message_id=_id(None))


def make_choice(
    data: str, speaker: Speaker | None = None, *, message_id: int | None = None
) -> Incoming:
    """A tapped button; `message_id` is the message the button was under."""
    return Incoming(speaker or make_speaker(), "choice", choice=data, message_id=_id(message_id))


def make_photo(file_id: str, caption: str = "", speaker: Speaker | None = None) -> Incoming:
    return Incoming(
        speaker or make_speaker(),
        "photo",
        text=caption,
        attachments=(file_id,),
        message_id=_id(None),
    )


def make_unsupported(speaker: Speaker | None = None) -> Incoming:
    return Incoming(speaker or make_speaker(), "unsupported", message_id=_id(None))


# The tables that hold what a resident wrote or did (retention and `tickets forget` empty them).
RESIDENT_TABLES = (
    "tickets",
    "events",
    "attachments",
    "outbox",
    "staff_posts",
    "answers",
    "chat_state",
    "processed_messages",
    "ratings",
    "due_notices",
)
