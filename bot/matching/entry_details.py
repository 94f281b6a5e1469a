"""What one entry covers of the details a question asks for (`bot.matching.details`): the
details its own questions ask, those its answer gives, and those its answer says the reports
leave out."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from bot.kb.model import KnowledgeBase
from bot.matching.counts import count_given, count_given_en, count_parts, figure_given
from bot.matching.details import NOT_GIVEN, asked_details, given_details, missing_details


@dataclass(frozen=True)
class EntryDetails:
    """The details an entry covers: asked in its questions, given or said missing in its answer."""

    asked: frozenset[str]
    given: frozenset[str]
    missing: frozenset[str]
    answer: str = ""  # for counts, which are looked up in it when asked
    answer_en: str = ""  # … and for counts asked in English

    @classmethod
    def of(cls, asked: frozenset[str], answer: str, answer_en: str = "") -> EntryDetails:
        missing = missing_details(answer)
        return cls(asked, given_details(answer) - missing, missing, answer, answer_en)

    def unanswered(self, wanted: frozenset[str]) -> frozenset[str]:
        """The wanted details this entry cannot give."""
        return frozenset(
            d
            for d in wanted
            if d in self.missing
            or not (d in self.asked or d in self.given or self._counts(d) or self._fee(d))
        )

    def states_figure(self, wanted: frozenset[str], figures: frozenset[str] = frozenset()) -> bool:
        """Whether the answer gives a figure the question asks for: a count by what it counts
        ("好多家企业" and "引进企业110余家"), or a figure right after the word asked about
        ("合同额是好多" and "合同额1.5亿元"). Evidence that this entry answers it."""
        return any(
            (d.startswith("count:") and count_parts(d)[1] and count_given(self.answer, d, True))
            or (d.startswith("count_en:") and count_given_en(self.answer_en, d))
            for d in wanted
        ) or any(figure_given(self.answer, word) for word in figures)

    def _fee(self, detail: str) -> bool:
        """A fee the entry's questions ask for or its answer names outside what it says is
        missing."""
        if not detail.startswith("fee:"):
            return False
        word = detail[len("fee:") :]
        return detail in self.asked or word in NOT_GIVEN.sub("", self.answer)

    def _counts(self, detail: str) -> bool:
        """A count the answer gives, or one with the same measure word the questions ask."""
        if detail.startswith("count_en:"):
            return detail in self.asked or count_given_en(self.answer_en, detail)
        if not detail.startswith("count:"):
            return False
        measure = detail[: len("count:") + (2 if detail.startswith("count:人次") else 1)]
        return count_given(self.answer, detail) or any(d.startswith(measure) for d in self.asked)


class DetailsByEntry(Mapping[str, EntryDetails]):
    """Each entry's `EntryDetails`, worked out the first time a decision needs that entry.

    A decision looks at its ten candidates only, so reading every question and answer for
    details at start-up would be wasted work. `questions[entry_id]` holds an entry's normalised
    questions (the matcher fills it as it indexes them).
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.answers = {entry.id: entry.answer for entry in kb.entries}
        self.answers_en = {entry.id: entry.answer_en or "" for entry in kb.entries}
        self.questions: dict[str, list[str]] = {}  # entry id → its normalised questions
        self._made: dict[str, EntryDetails] = {}

    def __getitem__(self, entry_id: str) -> EntryDetails:
        made = self._made.get(entry_id)
        if made is None:
            questions = tuple(self.questions[entry_id])
            made = _details_of(questions, self.answers[entry_id], self.answers_en[entry_id])
            self._made[entry_id] = made
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)


@lru_cache(maxsize=4096)
def _details_of(questions: tuple[str, ...], answer: str, answer_en: str) -> EntryDetails:
    """An entry's details, remembered by its content: a matcher built again on the same
    knowledge (a reload, each fold of leave-one-out) reads only the entries that changed."""
    asked = frozenset().union(*map(asked_details, questions))
    return EntryDetails.of(asked, answer, answer_en)
