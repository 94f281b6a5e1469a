"""Text normalisation for matching: small pure functions, applied to questions and messages alike.

The pipeline (`normalize`) folds width and case (NFKC), converts Traditional to Simplified
characters, maps dialect words, synonyms and typos to the knowledge base's words (the lexicon,
`knowledge/lexicon.yaml`), strips fillers and sentence-final particles, turns punctuation and
emoji into spaces and writes Chinese numbers such as 十二 as digits. Both sides of every
comparison go through the same pipeline, so a mapping only has to be right, not complete.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

from bot.kb.model import Lexicon

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_ACCENTED = re.compile(r"[\u00c0-\u00ff\u0100-\u024f\u1e00-\u1eff]")  # Latin with accents
# Everything but letters, digits and Chinese characters becomes a space, except '+' between two
# word characters ("1+4+N") and '.' between two digits ("2.8万"): names and figures in the KB.
_SYMBOL = re.compile(r"[^\w+.]|_")
_LOOSE = re.compile(r"(?<!\w)\+|\+(?!\w)|(?<!\d)\.|\.(?!\d)")
# 1加4加N, 一加四加N → 1+4+N
_PLUS_WORD = re.compile(
    r"(?<=[0-9a-zA-Z一二三四五六七八九])\s*加\s*(?=[0-9a-zA-Z一二三四五六七八九十])"
)
_NUMERAL_RUN = re.compile(r"[零〇一二两三四五六七八九十百千]+")
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold_width(text: str) -> str:
    """NFKC and lower case: full-width letters, digits and punctuation become their ASCII forms;
    Latin letters lose their accents (pinyin's tone marks: Huàlóngqiáo is hualongqiao)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if _ACCENTED.search(folded) is None:
        return folded
    return _ACCENTED.sub(lambda m: unicodedata.normalize("NFKD", m.group(0))[0], folded)


def to_simplified(text: str) -> str:
    """Traditional characters to Simplified (OpenCC t2s); other text is unchanged."""
    return str(_t2s().convert(text))


def strip_symbols(text: str) -> str:
    """Punctuation, emoji and other symbols become single spaces; '+' and '.' inside words stay."""
    text = _SYMBOL.sub(" ", text)
    if "+" in text or "." in text:  # most texts have neither: skip the second pass
        text = _LOOSE.sub(" ", text)
    return " ".join(text.split())


def apply_synonyms(text: str, synonyms: tuple[tuple[str, str], ...]) -> str:
    """Replace each variant by its canonical word, longest variants first, in one pass.

    One pass (a single alternation regex) so a canonical word is never rewritten again.
    """
    if not synonyms:
        return text
    pattern, table = _synonym_pattern(synonyms)
    return pattern.sub(lambda m: table[m.group(0)], text)


@lru_cache(maxsize=8)
def _synonym_pattern(
    synonyms: tuple[tuple[str, str], ...],
) -> tuple[re.Pattern[str], dict[str, str]]:
    table = dict(synonyms)
    ordered = sorted(table, key=len, reverse=True)
    alternatives = "|".join(_variant_pattern(v) for v in ordered)
    return re.compile(f"{_first_chars(ordered)}{alternatives})"), table


def _first_chars(words: list[str]) -> str:
    """A lookahead on the words' first characters: most positions are rejected in one step."""
    return f"(?=[{''.join(sorted({re.escape(w[0]) for w in words}))}])(?:"


def _variant_pattern(variant: str) -> str:
    """A Latin variant matches whole words only ("app" not inside "happens")."""
    if variant.isascii():
        return rf"(?<![a-z0-9]){re.escape(variant)}(?![a-z0-9])"
    return re.escape(variant)


def strip_fillers(text: str, fillers: tuple[str, ...]) -> str:
    """Remove filler phrases (请问、我想问一下 …) wherever they occur."""
    if not fillers:
        return text
    return " ".join(_alternation(fillers).sub(" ", text).split())


def strip_particles(text: str, particles: tuple[str, ...]) -> str:
    """Remove sentence-final particles (吗、嘛、哦 …) at the end of each clause, repeatedly."""
    if not particles:
        return text
    pattern = _final_particles(particles)
    return " ".join(c for c in (pattern.sub("", clause) for clause in text.split(" ")) if c)


@lru_cache(maxsize=16)
def _alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(words, key=len, reverse=True)
    return re.compile(f"{_first_chars(ordered)}{'|'.join(re.escape(w) for w in ordered)})")


@lru_cache(maxsize=16)
def _final_particles(particles: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(f"(?:{_alternation(particles).pattern})+$")


def convert_numerals(text: str) -> str:
    """Chinese numbers to digits: 十二条 → 12条, 四色四务 → 4色4务, 二零二四 → 2024.

    Every numeral is converted, so a resident typing 4色4务 meets 四色四务; only a unit on its own
    (千企万户) stays a word.
    """

    def replace(match: re.Match[str]) -> str:
        run = match.group(0)
        if all(c in _UNITS for c in run):  # a lone 千 (千企万户) is a word, not a number
            return run
        value = _parse_numeral(run)
        return run if value is None else str(value)

    return _NUMERAL_RUN.sub(replace, text)


def _parse_numeral(run: str) -> int | None:
    if all(c in _DIGITS for c in run):  # 二零二四 → 2024
        return int("".join(str(_DIGITS[c]) for c in run))
    total, current = 0, 0
    for ch in run:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:  # pragma: no cover - the regex only lets numerals through
            return None
    return total + current


def prepare(lexicon: Lexicon) -> Lexicon:
    """The lexicon in the form text reaches it: folded width and case, Simplified characters."""

    def fold(word: str) -> str:
        return to_simplified(fold_width(word)).strip()

    return Lexicon(
        tuple((fold(v), fold(c)) for v, c in lexicon.synonyms if fold(v)),
        tuple(w for w in map(fold, lexicon.fillers) if w),
        tuple(w for w in map(fold, lexicon.particles) if w),
    )


# Texts a normaliser remembers: every question and answer of a knowledge base of 1,000 entries,
# so building a matcher again on the same lexicon (a reload, each fold of leave-one-out, the
# checks on a proposal) normalises only what changed.
REMEMBERED_TEXTS = 65536


@lru_cache(maxsize=4)
def normalizer_for(lexicon: Lexicon) -> Normalizer:
    """The normaliser of `lexicon`, shared by every matcher built on it."""
    return Normalizer(lexicon)


class Normalizer:
    """The whole pipeline for one lexicon, its patterns compiled once (the matcher holds one)."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self._remembered = lru_cache(maxsize=REMEMBERED_TEXTS)(self._normalise)
        self.lexicon = prepare(lexicon or Lexicon())
        self._synonyms = _synonym_pattern(self.lexicon.synonyms) if self.lexicon.synonyms else None
        self._fillers = _alternation(self.lexicon.fillers) if self.lexicon.fillers else None
        particles = self.lexicon.particles
        self._particles = _final_particles(particles) if particles else None
        self._particle_ends = {p[-1] for p in particles}

    def __call__(self, text: str, *, fillers: bool = True) -> str:
        """Normalise one text; `fillers=False` keeps fillers (intents such as 你好 are fillers)."""
        return self._remembered(text, fillers)

    def _normalise(self, text: str, fillers: bool) -> str:
        text = strip_symbols(to_simplified(fold_width(text)))
        if "加" in text:
            text = _PLUS_WORD.sub("+", text)
        if self._synonyms is not None:
            pattern, table = self._synonyms
            text = pattern.sub(lambda m: table[m.group(0)], text)
        if fillers and self._fillers is not None:
            text = " ".join(self._fillers.sub(" ", text).split())
        if self._particles is not None:
            ends, last = self._particles, self._particle_ends
            clauses = (ends.sub("", c) if c[-1:] in last else c for c in text.split(" "))
            text = " ".join(c for c in clauses if c)
        return convert_numerals(text)


def normalize(text: str, lexicon: Lexicon | None = None, *, fillers: bool = True) -> str:
    """The whole pipeline once (build a `Normalizer` to normalise many texts).

    `fillers=False` keeps filler words: intents are short phrases such as 你好 or 谢谢 that are
    themselves fillers inside a longer question.
    """
    return Normalizer(lexicon)(text, fillers=fillers)


def is_english_text(text: str) -> bool:
    """True when the message is mostly Latin letters (at least twice as many as Chinese ones)."""
    folded = fold_width(text)
    latin = len(_LATIN.findall(folded))
    return latin > 0 and latin >= 2 * len(_CJK.findall(folded))


# Latin words a Chinese message on its own often is ("ok", "hhh"): they say nothing of the
# writer's language, so they never switch a chat to English.
_NEUTRAL_LATIN = frozenset({"ok", "okk", "okay", "k", "hh", "hhh", "hhhh", "emm", "em", "en", "ng"})


def written_language(text: str) -> str | None:
    """The language a message is written in: "en", "zh", or None when it does not say (digits,
    emoji, punctuation, a lone "ok"). Chinese when it has Chinese characters and is not mostly
    Latin (`is_english_text`)."""
    folded = fold_width(text)
    if is_english_text(folded):
        words = {w.casefold() for w in re.findall(r"[A-Za-z]+", folded)}
        return "en" if words - _NEUTRAL_LATIN else None
    return "zh" if _CJK.search(folded) else None


def is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))
