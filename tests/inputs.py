"""Engine inputs for tests: what a transport hands the engine (cf. tests/factories.py, which
builds Telegram updates for the Telegram adapter's tests).

Message ids come from one counter, so two calls never look like the same message unless a test
passes `message_id` on purpose (to test idempotency).
"""

from __future__ import annotations

import itertools

from bot.messages import Incoming, Speaker

RESIDENT_ID = 101
STAFF_ID = 900
STAFF_CHAT_ID = -100500

_message_ids = itertools.count(1000)


def make_speaker(
    user_id: int = RESIDENT_ID, *, language: str | None = "zh-hans", channel: str = "telegram"
) -> Speaker:
    return Speaker(user_id, user_id, f"居民{user_id}", language, channel)


def _id(message_id: int | None) -> int:
    return next(_message_ids) if message_id is None else message_id


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
