"""Conversational intents (greeting, thanks, help …): recognised before the knowledge base.

An intent matches when every clause of a short message is close to one of its examples, so
"谢谢你 辛苦了" is thanks while "你好，请问楼小二是做什么的" goes on to the knowledge base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from bot.kb.intents import IntentSet
from bot.matching.normalize import Normalizer, is_english_text
from bot.matching.tokens import units

MIN_SIMILARITY = 70.0  # rapidfuzz ratio (0-100) between a clause and an example
CONTAINED = 90.0  # the score of an example found whole inside a clause at most twice its length
MAX_UNITS = 12  # a longer message is a question, whatever greeting it starts with


# A phrase said twice or more in a row ("在吗在吗", "谢谢谢谢"): chat style for saying it once.
_REPEATED = re.compile(r"(\w{2,6}?)\1+")


def _undoubled(text: str) -> str:
    """The text with a phrase repeated back to back said once ("在吗在吗" → "在吗")."""
    return _REPEATED.sub(r"\1", text) if len(text) <= 2 * MAX_UNITS else text


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
        self._forms = [form for _, form in self.examples]
        self._where: dict[tuple[str, ...], list[int]] = {}  # example form → its indexes
        for i, form in enumerate(self._forms):
            self._where.setdefault(form, []).append(i)

    def _form(self, text: str) -> tuple[str, ...]:
        """Units (Chinese characters, English words) of the text, fillers and stop words kept."""
        return tuple(units(self.normalizer(text, fillers=False)))

    def match(self, text: str) -> IntentMatch | None:
        """The intent every clause of `text` belongs to, or None."""
        norm = self.normalizer(_undoubled(text), fillers=False)
        if not norm or len(units(norm)) > MAX_UNITS:
            return None
        whole = self._form(norm)
        if whole in self.exact:
            return IntentMatch(self.exact[whole], 100.0)
        # Spaces separate clauses in Chinese ("谢谢你 辛苦了") but words in English.
        clauses = [whole] if is_english_text(norm) else [self._form(c) for c in norm.split(" ")]
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
        """The example nearest the clause (all compared in one rapidfuzz call) and its score."""
        if not self.examples:
            return "", 0.0
        scores = process.cdist(
            [clause], self._forms, scorer=fuzz.ratio, processor=None, dtype=np.float64
        )[0]
        # An example found whole inside the clause (at most twice its length) scores CONTAINED.
        n = len(clause)
        for start in range(n):
            for end in range(start + max(1, (n + 1) // 2), n + 1):
                for i in self._where.get(clause[start:end], ()):
                    scores[i] = max(scores[i], CONTAINED)
        best = int(np.argmax(scores))
        return self.examples[best][0], float(scores[best])
