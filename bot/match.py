"""Question matching: find the entry that answers a question, or decide it is not covered.

`Matcher(kb, intents).decide(text)` normalises the message (`bot.normalize`), tries the
conversational intents first (`bot.intent_match`), then searches the knowledge base in the
message's language (`bot.retrieval`) and sorts the result into three bands (`bot.decision`):
answer, clarify or ticket. A Matcher touches no storage or network and is immutable, so one
instance serves every chat; a reload builds a new one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from bot.decision import Bands, Candidate, Decision, Outcome, judge
from bot.details import EntryDetails, asked_details
from bot.gibberish import is_gibberish
from bot.intent_match import IntentMatcher
from bot.intents import IntentSet
from bot.kb import KnowledgeBase
from bot.normalize import Normalizer, is_english
from bot.retrieval import Channel, Doc, Index
from bot.scope import Scope
from bot.tokens import (
    char_tokens,
    english_tokens,
    marked_syllable,
    pinyin_tokens,
    question_scale,
    units,
)

__all__ = ["Bands", "Candidate", "Decision", "Matcher", "Outcome"]

PINYIN_WEIGHT = 0.5  # the homophone channel backs the characters up; it does not outvote them
# A question is read up to this many characters (the engine passes at most 1,000 already): no
# knowledge-base question is near that long, and matching cost grows with the query.
MAX_QUERY_CHARS = 1000


class Matcher:
    """Decides what to do with a message, from one knowledge base and one set of intents."""

    def __init__(self, kb: KnowledgeBase, intents: IntentSet, bands: Bands | None = None) -> None:
        self.kb = kb
        self.intents = intents
        self.bands = bands or Bands()
        self.normalizer = Normalizer(kb.lexicon)
        self._intents = IntentMatcher(intents, self.normalizer)
        zh: list[Doc] = []
        en: list[Doc] = []
        self.details = _Details(kb)
        self.exact: dict[str, str] = {}  # a normalised question → its entry
        texts: dict[str, str] = {}  # an entry's normalised title, questions and answers
        for entry in kb.entries:
            asked: list[str] = []
            for text in (entry.title, *entry.questions, entry.title_en or ""):
                if text:
                    norm = self.normalize(text)
                    (en if is_english(text) else zh).append(Doc(entry.id, norm))
                    self.exact.setdefault(norm, entry.id)
                    asked.append(norm)
            answers = [self.normalize(entry.answer)]
            zh.append(Doc(entry.id, answers[0], answer=True))
            if entry.answer_en:
                answers.append(self.normalize(entry.answer_en))
                en.append(Doc(entry.id, answers[-1], answer=True))
            self.details.questions[entry.id] = asked
            texts[entry.id] = "\n".join((*asked, *answers))
        terms = (*kb.lexicon.places, *kb.lexicon.subjects)
        self.scope = Scope((self.normalizer(t, fillers=False) for t in terms), texts)
        self.zh = Index(
            zh,
            [
                Channel("char", char_tokens, units=units),
                Channel("pinyin", pinyin_tokens, PINYIN_WEIGHT, derive=marked_syllable),
            ],
            light=question_scale,
        )
        self.en = Index(en, [Channel("word", english_tokens)])

    def normalize(self, text: str) -> str:
        return self.normalizer(text)

    def decide(self, text: str) -> Decision:
        text = text[:MAX_QUERY_CHARS]
        language = "en" if is_english(text) else "zh"
        if is_gibberish(self.normalizer(text, fillers=False)):
            return Decision("ticket", gibberish=True, language=language, reason="no words")
        intent = self._intents.match(text)
        if intent is not None:
            return Decision(
                "intent", intent.score, intent=intent.intent, language=language, reason="intent"
            )
        index = self.en if language == "en" else self.zh
        norm = self.normalize(text)
        if norm in self.exact:  # the knowledge base's own wording: its author chose the entry
            entry_id = self.exact[norm]
            return Decision(
                "answer",
                100.0,
                entry_id,
                candidates=(Candidate(entry_id, 100.0),),
                language=language,
                reason="a question of the entry",
            )
        hits = index.search(norm, k=self.bands.candidates)
        named = self.scope.named(norm)
        return judge(
            hits,
            self.bands,
            language,
            asked_details(norm),
            self.details,
            lambda entry_id: self.scope.lacking(entry_id, named),
        )


class _Details(Mapping[str, EntryDetails]):
    """Each entry's `EntryDetails`, worked out the first time a decision needs that entry.

    A decision looks at its ten candidates only, so reading every question and answer for
    details at start-up would be wasted work.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.answers = {entry.id: entry.answer for entry in kb.entries}
        self.questions: dict[str, list[str]] = {}  # entry id → its normalised questions
        self._made: dict[str, EntryDetails] = {}

    def __getitem__(self, entry_id: str) -> EntryDetails:
        made = self._made.get(entry_id)
        if made is None:
            asked = frozenset().union(*map(asked_details, self.questions[entry_id]))
            made = EntryDetails.of(asked, self.answers[entry_id])
            self._made[entry_id] = made
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)
