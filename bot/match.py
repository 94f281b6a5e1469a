"""Question matching: find the entry that answers a question, or decide it is not covered.

PLACEHOLDER: the real matcher (issue 4) replaces the body of `Matcher`; the data types and the
`Matcher(kb, intents).decide(text)` signature are the contract the engine and `ask` rely on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.intents import IntentSet
from bot.kb import KnowledgeBase, question_key

Outcome = Literal["answer", "clarify", "intent", "ticket"]


@dataclass(frozen=True)
class Candidate:
    entry_id: str
    score: float  # 0-100


@dataclass(frozen=True)
class Decision:
    """What to do with one message."""

    outcome: Outcome
    score: float = 0.0  # 0-100: confidence in the top candidate (or intent)
    entry_id: str | None = None  # outcome "answer": the entry to show
    intent: str | None = None  # outcome "intent": its name
    candidates: tuple[Candidate, ...] = ()  # best first; for "clarify" the 2-3 choices
    gibberish: bool = False  # outcome "ticket" for input with nothing to act on: ask to rephrase
    language: str = "zh"  # "en" when the question is written in English


class Matcher:
    def __init__(self, kb: KnowledgeBase, intents: IntentSet) -> None:
        self.kb = kb
        self.intents = intents
        self._exact = {question_key(q): e.id for e in kb.entries for q in (*e.questions, e.title)}
        self._intents = {question_key(x): i.id for i in intents.intents for x in i.examples}

    def decide(self, text: str) -> Decision:
        key = question_key(text)
        if not key:
            return Decision("ticket", gibberish=True)
        if key in self._intents:
            return Decision("intent", 100.0, intent=self._intents[key])
        if key in self._exact:
            entry_id = self._exact[key]
            return Decision("answer", 100.0, entry_id, candidates=(Candidate(entry_id, 100.0),))
        return Decision("ticket")
