"""Scope terms: words that tie a question to a place or a subject the answer must share.

A question about somewhere else or something else often shares most of its words with an entry:
"巴南区有没得老年食堂" with the 江北 canteen entry, "社保卡丢了咋个补" with an entry about reporting
street problems, "重庆市长是哪个" with the 楼长 entry. The lexicon lists such words (`places:` and
`subjects:` in knowledge/lexicon.yaml), and an entry stays a candidate only if it can serve them:

- a **subject** the question names (社保, 公积金, 区长, visa …) must appear in the entry's own
  title, questions or answer;
- a **place** the question names (巴南, 上清寺, Chengdu …) must appear in the entry, unless the
  entry names no listed place at all (a district-wide service serves 大坪 as well as 解放碑).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

_ASCII = re.compile(r"[a-z0-9 '.-]+")


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One alternation, longest first; words in Latin letters only match as whole words."""
    ordered = sorted({t for t in terms if t}, key=len, reverse=True)
    if not ordered:
        return None
    parts = [rf"\b{re.escape(t)}\b" if _ASCII.fullmatch(t) else re.escape(t) for t in ordered]
    return re.compile("|".join(parts))


class Scope:
    """Which entries can serve the places and subjects a question names."""

    def __init__(
        self,
        places: Iterable[str],
        subjects: Iterable[str],
        texts: Mapping[str, Callable[[], str]],
    ) -> None:
        """`texts[entry_id]()` gives the entry's normalised title, questions and answers."""
        self._places = _pattern(places)
        self._subjects = _pattern(subjects)
        self._texts = texts
        self._named: dict[str, tuple[frozenset[str], frozenset[str]]] = {}

    def named(self, text: str) -> tuple[frozenset[str], frozenset[str]]:
        """The places and the subjects a normalised text names."""
        return _found(self._places, text), _found(self._subjects, text)

    def lacking(self, entry_id: str, places: frozenset[str], subjects: frozenset[str]) -> set[str]:
        """The named places and subjects this entry cannot serve (empty: it may answer)."""
        if not places and not subjects:
            return set()
        own_places, own_subjects = self._entry(entry_id)
        lacking = set(subjects - own_subjects)
        if own_places:
            lacking |= places - own_places
        return lacking

    def _entry(self, entry_id: str) -> tuple[frozenset[str], frozenset[str]]:
        named = self._named.get(entry_id)
        if named is None:
            named = self._named[entry_id] = self.named(self._texts[entry_id]())
        return named


def _found(pattern: re.Pattern[str] | None, text: str) -> frozenset[str]:
    return frozenset(pattern.findall(text)) if pattern is not None else frozenset()
