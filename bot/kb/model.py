"""The knowledge base: YAML entries parsed into frozen objects and checked strictly."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

AUDIENCES = ("resident", "enterprise", "both")
FOLLOW_UPS = ("ticket", "tongban")
MIN_QUESTIONS = 6
MAX_ANSWER_CHARS = 600  # Chinese: about 500 is the aim
MAX_ANSWER_EN_CHARS = 1500  # the same content in English runs about 2.5 times longer
ASSISTANT_SOURCE = "assistant"
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# What must never appear in an answer: the sources give none, so any would be invented.
PHONE_PATTERN = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{3,4}-\d{7,8}|\d{7,})(?!\d)")
URL_PATTERN = re.compile(r"(?i)\b(?:https?://|www\.)|\b[\w-]+\.(?:com|cn|net|org|gov)\b")
EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


class UnknownEntryError(KeyError):
    """Raised when an entry id is not in the knowledge base."""


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: a quote from a seed report (`file`, `quote`), or a staff answer
    (`staff`, `ticket`, `date`, `owner`: the department that provides and maintains it, 谁提供
    谁维护; `public_number` a public service number the owner confirmed for the answer)."""

    file: str
    quote: str
    line: int = 0
    staff: str = ""
    ticket: int | None = None
    date: str = ""
    owner: str = ""
    public_number: str = ""

    @property
    def is_staff(self) -> bool:
        return bool(self.owner)


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    category: str
    audience: str
    questions: tuple[str, ...]
    answer: str
    source: tuple[Source, ...]
    title_en: str | None = None
    answer_en: str | None = None
    topics: tuple[int, ...] = ()
    related: tuple[str, ...] = ()
    follow_up: str | None = None
    file: str = ""
    line: int = 0

    @property
    def staff_source(self) -> Source | None:
        """The entry's staff source (the department that owns the answer), if it has one."""
        return next((s for s in self.source if s.is_staff), None)


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    title_en: str


@dataclass(frozen=True)
class Lexicon:
    """Data the matcher uses: variant→canonical words, fillers, final particles, scope terms."""

    synonyms: tuple[tuple[str, str], ...] = ()
    fillers: tuple[str, ...] = ()
    particles: tuple[str, ...] = ()
    places: tuple[str, ...] = ()  # see bot.scope
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    entries: tuple[Entry, ...]
    categories: tuple[Category, ...]
    lexicon: Lexicon
    files: tuple[str, ...]

    def entry(self, entry_id: str) -> Entry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise UnknownEntryError(entry_id)

    def category(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise UnknownEntryError(category_id)

    def in_category(self, category_id: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.category == category_id)

    def summary(self) -> str:
        """One line: files, entries, questions, and entries per category."""
        per = Counter(e.category for e in self.entries)
        cats = ", ".join(f"{c.id} {per[c.id]}" for c in self.categories)
        questions = sum(len(e.questions) for e in self.entries)
        return (
            f"{len(self.files)} files, {len(self.entries)} entries, {questions} questions ({cats})"
        )


def question_key(text: str) -> str:
    """The form two questions are compared in: width, case, spaces and punctuation folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum() or ch == "+")
