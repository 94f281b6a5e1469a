"""The dialogue on a throwaway database: what a resident writing in a fresh chat receives.

`python -m bot ask` and `python -m bot eval` go through it, so what they show and score is what
the engine sends, word for word: the same renderer, the same language rule, the same tickets
(numbered in the throwaway database, which is deleted at the end). Each question comes from a
new resident in a new chat; nothing reaches the real database or Telegram.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.dialogue.engine import MATCHED_CHARS, Engine
from bot.matching.decision import Decision
from bot.matching.matcher import Matcher
from bot.messages import Incoming, InputKind, Outcome, Speaker
from bot.store.sqlite import SQLiteTicketStore

CHANNEL = "preview"


@dataclass(frozen=True)
class Previewed:
    """One question: what the matcher decided and what the resident received."""

    question: str
    decision: Decision | None  # None for a command (/start …): commands are not matched
    outcome: Outcome

    @property
    def text(self) -> str:
        """The replies' texts as a fresh chat shows them (several replies: a blank line apart)."""
        return reply_texts(self.outcome)


def reply_texts(outcome: Outcome) -> str:
    return "\n\n".join(reply.text for reply in outcome.replies)


class Preview:
    """Asks the engine one question at a time, each from a new resident in a new chat."""

    def __init__(self, engine: Engine, matcher: Matcher, client_language: str | None) -> None:
        self._engine = engine
        self._matcher = matcher
        self._client_language = client_language
        self._asked = 0

    async def ask(self, question: str) -> Previewed:
        self._asked += 1
        resident = self._asked
        speaker = Speaker(resident, resident, "", self._client_language, CHANNEL)
        is_command = question.lstrip().startswith("/")
        kind: InputKind = "command" if is_command else "text"
        incoming = Incoming(speaker, kind=kind, text=question, message_id=1)
        outcome = await self._engine.handle(incoming)
        decision = None if is_command else self._matcher.decide(question.strip()[:MATCHED_CHARS])
        return Previewed(question, decision, outcome)


@asynccontextmanager
async def preview(
    matcher: Matcher, settings: Settings, *, client_language: str | None = None
) -> AsyncIterator[Preview]:
    """A `Preview` over a new SQLite file in a temporary folder, removed on exit. Per-resident
    ticket limits still apply per question (each question is its own resident)."""
    with tempfile.TemporaryDirectory(prefix="yuzhong-preview-") as folder:
        store = SQLiteTicketStore(Path(folder) / "preview.db")
        await store.open()
        try:
            yield Preview(Engine(store, matcher, settings), matcher, client_language)
        finally:
            await store.close()
