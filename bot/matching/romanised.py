"""Programme names written in pinyin in an English message ("si se si wu", "Yuan Lai Yi Jia").

The knowledge base's answers put the programmes they name in quotes (“四色四务”, “袁来一家”);
each such name is known here by its syllables, written together without tones ("sisesiwu").
`Romanised.glossed` finds a name's syllables among an English message's words, with or without
spaces, tone marks or capitals, and adds the Chinese after them in brackets, as many writers do
themselves ("What does 'si se si wu' (四色四务) stand for?"); the matcher then asks the Chinese
name what it is (`bot.matching.matcher`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bot.matching.tokens import syllable, units

_QUOTED = re.compile(r"[“「]([\u4e00-\u9fff]{2,8})[”」]")
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")  # Latin letters, tone marks too
_CLOSING = re.compile(r"['’\"”]*")
MIN_SYLLABLES = 3  # "hongyan" (红岩) or "tongban" (通办) alone names too many things


def _folded(word: str) -> str:
    """Lower case without tone marks: "Lóu" → "lou"."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class Romanised:
    """The quoted names of some texts, found again by their pinyin."""

    def __init__(self, texts: Iterable[str]) -> None:
        found: dict[str, set[str]] = {}
        for text in texts:
            for name in _QUOTED.findall(text):
                letters = "".join(syllable(u) for u in units(name))
                found.setdefault(letters, set()).add(name)
        # a spelling two names share names neither
        self._names = {
            letters: next(iter(names))
            for letters, names in found.items()
            if len(names) == 1 and len(next(iter(names))) >= MIN_SYLLABLES
        }
        self._most = max((len(units(n)) for n in self._names.values()), default=0)

    def glossed(self, text: str) -> str:
        """The text with each romanised name followed by its Chinese in brackets (the longest
        name first; one already followed by brackets is left as it is)."""
        words = list(_WORD.finditer(text))
        pieces: list[str] = []
        done = 0  # characters of `text` already in `pieces`
        i = 0
        while i < len(words):
            for j in range(min(len(words), i + self._most), i, -1):
                name = self._names.get("".join(_folded(w.group()) for w in words[i:j]))
                if name is None:
                    continue
                end = words[j - 1].end()
                end = _CLOSING.match(text, end).end()  # type: ignore[union-attr]
                if not text[end:].lstrip().startswith(("(", "（")):
                    pieces.append(f"{text[done:end]} ({name})")
                    done = end
                i = j - 1
                break
            i += 1
        pieces.append(text[done:])
        return "".join(pieces)
