"""A proposed change to the knowledge base (`Change`), as stored in a proposal: a new wording
for an existing entry, or a new entry with its source. Stored as JSON in `kb_proposals.change`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.learning.refusal import Refusal


class ChangeError(ValueError):
    """Raised when a proposed change is incomplete or names what does not exist (or a
    rejection lacks its reason); `refusal` says which, `str()` in English."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


@dataclass(frozen=True)
class StaffSource:
    """A staff answer as a source: who answered which ticket when, and the department that
    provides and maintains the answer (谁提供、谁维护、谁更新)."""

    staff: str
    ticket: int
    date: str  # YYYY-MM-DD
    owner: str
    public_number: str = ""  # a public service number the owner confirmed for the answer

    def as_yaml(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "staff": self.staff,
            "ticket": self.ticket,
            "date": self.date,
            "owner": self.owner,
        }
        if self.public_number:
            data["public_number"] = self.public_number
        return data


@dataclass(frozen=True)
class SeedQuote:
    """A quote from one of the source reports, as every other entry has."""

    file: str
    quote: str

    def as_yaml(self) -> dict[str, Any]:
        return {"file": self.file, "quote": self.quote}


@dataclass(frozen=True)
class Change:
    """What a proposal changes. `kind` "wording": add `questions` to entry `entry_id`.
    `kind` "entry": a new entry `entry_id` with every field an entry needs."""

    kind: str
    entry_id: str
    questions: tuple[str, ...]
    candidates: tuple[str, ...] = ()  # the matcher's closest entries, shown to staff
    title: str = ""
    title_en: str = ""
    category: str = ""
    audience: str = "resident"
    answer: str = ""
    answer_en: str = ""
    sources: tuple[StaffSource | SeedQuote, ...] = field(default=())

    @property
    def owner(self) -> str:
        return next((s.owner for s in self.sources if isinstance(s, StaffSource)), "")

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Change:
        data = json.loads(text)
        sources = tuple(
            StaffSource(**s) if "owner" in s else SeedQuote(**s) for s in data.pop("sources")
        )
        data["questions"] = tuple(data["questions"])
        data["candidates"] = tuple(data["candidates"])
        return cls(**data, sources=sources)

    def entry_yaml(self) -> dict[str, Any]:
        """The new entry as its YAML mapping, fields in the order the theme files use."""
        data: dict[str, Any] = {"id": self.entry_id, "title": self.title}
        if self.title_en:
            data["title_en"] = self.title_en
        data |= {
            "category": self.category,
            "audience": self.audience,
            "questions": list(self.questions),
            "answer": self.answer,
        }
        if self.answer_en:
            data["answer_en"] = self.answer_en
        data["source"] = [s.as_yaml() for s in self.sources]
        return data
