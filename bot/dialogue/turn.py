"""What one engine call works with: the shared services and this turn's input and chat state."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.helpdesk.deadlines import Rules
from bot.kb.intents import IntentSet
from bot.kb.model import KnowledgeBase
from bot.matching.decision import Decision
from bot.matching.matcher import Matcher
from bot.matching.normalize import written_language
from bot.messages import Choice, Incoming, Outcome, Reply
from bot.store.chat_state import ChatState
from bot.store.interface import TicketStore
from bot.words import chat_language


@dataclass(frozen=True)
class Services:
    """Everything a flow needs; swapped as one object when the knowledge is reloaded."""

    store: TicketStore
    matcher: Matcher  # holds the knowledge base and the intents it was built on
    settings: Settings
    rules: Rules  # the time limits and the working-day calendar

    @property
    def kb(self) -> KnowledgeBase:
        return self.matcher.kb

    @property
    def intents(self) -> IntentSet:
        return self.matcher.intents


@dataclass
class Turn:
    """One input being handled. Flows change `state`; the engine saves it when it changed."""

    incoming: Incoming
    state: ChatState
    now: datetime
    decision: Decision | None = None  # the text's match, made before the transaction

    @property
    def channel(self) -> str:
        return self.incoming.speaker.channel

    @property
    def chat_id(self) -> int:
        return self.incoming.speaker.chat_id

    @property
    def user_id(self) -> int:
        return self.incoming.speaker.user_id

    @property
    def actor(self) -> str:
        return f"user:{self.user_id}"

    @property
    def language(self) -> str:
        """ "en" or "zh", for every reply of this turn (`bot.words.chat_language`)."""
        state = self.state
        return chat_language(state.language, state.written_language, self.incoming.speaker.language)

    def note_written_language(self) -> None:
        """A typed message in a language switches the chat to it (`chat_language`)."""
        if self.incoming.kind != "text" or self.incoming.text.lstrip().startswith("/"):
            return
        written = written_language(self.incoming.text)
        if written is not None and written != self.state.written_language:
            self.state = replace(self.state, written_language=written)

    def enter(self, flow: str | None, step: str | None = None, **data: Any) -> None:
        """Start (or, with None, leave) a flow."""
        self.state = replace(self.state, flow=flow, step=step, data=data)

    def idempotency_key(self) -> str | None:
        """channel + chat + message id (+ the button, for a tap): one ticket per input."""
        message_id = self.incoming.message_id
        if message_id is None:
            return None
        key = f"{self.channel}:{self.chat_id}:{message_id}"
        return f"{key}:{self.incoming.choice}" if self.incoming.kind == "choice" else key


# Buttons whose effect adds up (a vote, a ticket, a claim): a second tap on the same one is the
# same input. Others (menus, 补充说明, the 通办 steps) just move the chat and may be tapped again.
ONCE_ONLY_BUTTONS = (
    "fb",
    "human",
    "none",
    "why",
    "withdraw",
    "claim",
    "take",
    "close",
    "send",
    "rate",
)


def input_key(incoming: Incoming) -> str | None:
    """What makes an input the same input when delivered again, within its channel and chat:
    the message id; for a once-only button also who tapped which one. None: not tracked."""
    message_id = incoming.message_id
    if message_id is None:
        return None
    if incoming.kind != "choice":
        return f"m:{message_id}"
    data = incoming.choice or ""
    if data.partition(":")[0] not in ONCE_ONLY_BUTTONS:
        return None
    return f"c:{message_id}:{incoming.speaker.user_id}:{data}"


class ExpiredChoiceError(ValueError):
    """Raised when button data is unknown, forged, or does not fit where the chat is."""


def number(text: str) -> int:
    """A number inside button data; anything else is forged."""
    if not is_number(text):
        raise ExpiredChoiceError(text)
    return int(text)


def is_number(text: str) -> bool:
    """ASCII digits only, at most 12 ("²" and "٣" are digits to `str.isdigit`, not to `int`)."""
    return 0 < len(text) <= 12 and text.isascii() and text.isdigit()


def say(text: str, *rows: tuple[Choice, ...], ticket: int | None = None, note: str) -> Outcome:
    """An outcome of one reply (with optional rows of buttons) and a tag for tests and logs."""
    return Outcome((Reply(text, tuple(rows)),), ticket_number=ticket, notes=(note,))
