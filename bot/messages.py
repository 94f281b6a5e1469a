"""Plain data passed between a transport (Telegram, the terminal chat, the CLI) and the engine."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

CALLBACK_DATA_LIMIT = 64  # bytes; Telegram's limit for inline-button callback data
NAME_LIMIT = 64  # characters of a display name shown to staff (Telegram allows 64 + 64)

InputKind = Literal["text", "command", "choice", "photo", "unsupported"]


def display_name(name: str) -> str:
    """A person's name as data, never layout: controls, line and paragraph breaks and format
    characters (the bidi overrides and isolates that reorder a line) become spaces, runs of
    spaces one, and it is cut to NAME_LIMIT characters, so a name cannot forge a line of a
    staff post."""
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in name)
    plain = re.sub(r"\s+", " ", kept).strip()
    return plain if len(plain) <= NAME_LIMIT else plain[: NAME_LIMIT - 1] + "…"


def quoted(text: str) -> str:
    """A resident's text for a staff message: bidi, format and control characters removed,
    and every line after the first marked "› ", so no line of it can pass for a line of the
    message around it (来自：…, 电话：…)."""
    text = re.sub(r"\r\n?|[\u2028\u2029\x85\v\f]", "\n", text)
    kept = "".join(c for c in text if c == "\n" or unicodedata.category(c) not in ("Cc", "Cf"))
    first, *rest = kept.split("\n")
    return "\n".join([first, *(f"› {line}" for line in rest)])


@dataclass(frozen=True)
class Speaker:
    """Who is writing, and from where."""

    user_id: int
    chat_id: int
    name: str = ""
    language: str | None = None  # the client's language code, e.g. "zh-hans" or "en"
    channel: str = "telegram"  # "telegram" | "terminal"
    username: str | None = None  # Telegram's @username (without @), when there is one


@dataclass(frozen=True)
class Incoming:
    """One thing a person did: typed text, sent a command, tapped a button, sent a photo."""

    speaker: Speaker
    kind: InputKind = "text"
    text: str = ""  # the text, the command with its arguments ("/reply 3 好的"), or the caption
    choice: str | None = None  # callback data of a tapped button
    message_id: int | None = (
        None  # the transport's id, for idempotency (same message → same ticket)
    )
    reply_to_message_id: int | None = None  # staff replying to a staff-group post
    attachments: tuple[str, ...] = ()  # file references (Telegram file_id)
    update_id: int | None = None  # the transport's inbox entry: marked done with the turn


@dataclass(frozen=True)
class Choice:
    """A button: what it says and the data it sends back (at most 64 bytes)."""

    label: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode("utf-8")) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {self.data!r}")


@dataclass(frozen=True)
class Reply:
    """One message to show: plain text (never markup) and optional rows of buttons."""

    text: str
    choices: tuple[tuple[Choice, ...], ...] = ()


@dataclass(frozen=True)
class Outcome:
    """Everything the engine wants shown now in the same chat.

    Messages for other chats (the staff group, a resident answered from the CLI) are not here:
    the engine writes them to the persisted outbox, which the transport drains.
    """

    replies: tuple[Reply, ...] = ()
    ticket_number: int | None = None  # a ticket this input created or touched
    notes: tuple[str, ...] = field(default=())  # machine-readable tags for tests and logs
    # The replies are already in the outbox, queued in the input's own transaction
    # (`Engine.handle(..., reply_key=...)`); False when the transport must show them itself.
    queued: bool = False
