"""The entries whose answers staff gave (a staff source) and the departments that own them, with
the age of each, so stale staff answers are reviewed yearly (谁提供、谁维护、谁更新)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.kb.model import KnowledgeBase

REVIEW_AFTER_DAYS = 365  # a staff answer older than this is due for its yearly review


@dataclass(frozen=True)
class Owned:
    entry_id: str
    owner: str
    ticket: int | None
    since: str  # YYYY-MM-DD
    age_days: int

    @property
    def due(self) -> bool:
        return self.age_days > REVIEW_AFTER_DAYS


def owned_entries(kb: KnowledgeBase, today: date) -> list[Owned]:
    """Every entry with a staff source, oldest answer first."""
    owned = [
        Owned(e.id, s.owner, s.ticket, s.date, (today - date.fromisoformat(s.date)).days)
        for e in kb.entries
        if (s := e.staff_source) is not None
    ]
    return sorted(owned, key=lambda o: (-o.age_days, o.entry_id))
