"""Scope terms: words that tie a question to a place or a subject the answer must share.

A question about somewhere else or something else often shares most of its words with an entry:
"巴南区有没得老年食堂" with the 江北 canteen entry, "社保卡丢了咋个补" with an entry about reporting
street problems, "重庆市长是哪个" with the 楼长 entry. The lexicon lists such words (`places:` and
`subjects:` in knowledge/lexicon.yaml), and an entry stays a candidate only if it can serve them:

- a **subject** the question names (社保, 公积金, 区长, visa …) or a **place** outside Yuzhong
  (巴南, 成都, Chengdu …) must appear in the entry's own title, questions or answer. A question
  from 南岸 about Yuzhong's 人才会客厅 is asking whether 南岸 has one, which no report says.
- an entry about **another district's programme** (its title names 江北, 大渡口 …) does not
  answer a question that names Yuzhong and not that district: "渝中区的社区老年食堂多少钱"
  asks about Yuzhong, and the reports describe 江北's canteens only. The question becomes a
  ticket, with the other district's entry offered as related reading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

_ASCII = re.compile(r"[a-z0-9 '.-]+")
# How a question names Yuzhong itself (normalised text: Simplified, lower case).
YUZHONG = ("渝中", "yuzhong")


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One alternation, longest first; words in Latin letters only match as whole words."""
    ordered = sorted({t for t in terms if t}, key=len, reverse=True)
    if not ordered:
        return None
    # A lookahead on the terms' first characters: most positions fail at once.
    first = "".join(sorted({re.escape(t[0]) for t in ordered}))
    return re.compile(f"(?=[{first}])(?:{'|'.join(map(_source, ordered))})")


def _source(term: str) -> str:
    return rf"\b{re.escape(term)}\b" if _ASCII.fullmatch(term) else re.escape(term)


@lru_cache(maxsize=1024)
def _word(term: str) -> re.Pattern[str]:
    return re.compile(_source(term))


def contains(text: str, term: str) -> bool:
    """Whether `text` holds `term` (as a whole word when it is written in Latin letters)."""
    if term not in text:  # the common case, and a plain substring test is fast
        return False
    return not _ASCII.fullmatch(term) or _word(term).search(text) is not None


class Scope:
    """Which entries can serve the places and subjects a question names (one rule for both).

    A question is scanned once for the terms it names; an entry is then only asked about those
    few terms (plain substring tests), so a candidate costs microseconds even with long answers.
    """

    def __init__(
        self,
        terms: Iterable[str],
        texts: Mapping[str, str],
        homes: Mapping[str, str] | None = None,
        aliases: Mapping[str, str] | None = None,
    ):
        """`texts[entry_id]`: the entry's normalised title, questions and answers;
        `homes[entry_id]`: the other district whose programme the entry describes, if any;
        `aliases[term]`: the same place in Chinese ("jiangbei" → 江北), which an entry may name
        instead."""
        self._pattern = _pattern((*terms, *YUZHONG))
        self._texts = texts
        self._homes = homes or {}
        self._aliases = aliases or {}

    def named(self, text: str) -> frozenset[str]:
        """The places and subjects a normalised text names."""
        return frozenset(self._pattern.findall(text)) if self._pattern else frozenset()

    def lacking(self, entry_id: str, terms: frozenset[str]) -> set[str]:
        """The named terms this entry does not name (empty: it may answer)."""
        if not terms:
            return set()
        text = self._texts[entry_id]
        lacking = {
            term
            for term in terms
            if term not in YUZHONG
            and not contains(text, term)
            and not contains(text, self._aliases.get(term, term))
        }
        home = self._homes.get(entry_id)
        if home is not None and home not in terms:
            lacking.update(terms.intersection(YUZHONG))
        return lacking
