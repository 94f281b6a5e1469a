"""Conversational intents (greeting, thanks, help …): recognised before the knowledge base.

An intent matches when every clause of a short message is close to one of its examples, so
"谢谢你 辛苦了" is thanks while "你好，请问楼小二是做什么的" goes on to the knowledge base.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.intents import IntentSet
from bot.normalize import Normalizer, is_english
from bot.tokens import units

MIN_SIMILARITY = 70.0  # rapidfuzz ratio (0-100) between a clause and an example
CONTAINED = 90.0  # the score of an example found whole inside a clause at most twice its length
MAX_UNITS = 12  # a longer message is a question, whatever greeting it starts with


@dataclass(frozen=True)
class IntentMatch:
    intent: str
    score: float  # 0-100


class IntentMatcher:
    def __init__(self, intents: IntentSet, normalizer: Normalizer) -> None:
        self.normalizer = normalizer
        self.examples: list[tuple[str, tuple[str, ...]]] = []
        for intent in intents.intents:
            for example in intent.examples:
                form = self._form(example)
                if form:
                    self.examples.append((intent.id, form))
        self.exact = {form: name for name, form in self.examples}

    def _form(self, text: str) -> tuple[str, ...]:
        """Units (Chinese characters, English words) of the text, fillers and stop words kept."""
        return tuple(units(self.normalizer(text, fillers=False)))

    def match(self, text: str) -> IntentMatch | None:
        """The intent every clause of `text` belongs to, or None."""
        norm = self.normalizer(text, fillers=False)
        if not norm or len(units(norm)) > MAX_UNITS:
            return None
        whole = self._form(norm)
        if whole in self.exact:
            return IntentMatch(self.exact[whole], 100.0)
        # Spaces separate clauses in Chinese ("谢谢你 辛苦了") but words in English.
        clauses = [whole] if is_english(norm) else [self._form(c) for c in norm.split(" ")]
        found: set[str] = set()
        scores: list[float] = []
        for clause in clauses:
            if not clause:
                continue
            name, score = self._best(clause)
            if score < MIN_SIMILARITY:
                return None
            found.add(name)
            scores.append(score)
        if len(found) != 1:
            return None
        return IntentMatch(found.pop(), min(scores))

    def _best(self, clause: tuple[str, ...]) -> tuple[str, float]:
        best_name, best = "", 0.0
        for name, form in self.examples:
            score = fuzz.ratio(clause, form)
            if score < CONTAINED and 2 * len(form) >= len(clause) and _contains(clause, form):
                score = CONTAINED
            if score > best:
                best_name, best = name, score
        return best_name, best


def _contains(clause: tuple[str, ...], form: tuple[str, ...]) -> bool:
    """True when `form` occurs as a contiguous run inside `clause`."""
    n = len(form)
    return any(clause[i : i + n] == form for i in range(len(clause) - n + 1))
