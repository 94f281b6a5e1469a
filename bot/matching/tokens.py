"""Token lists for retrieval: Chinese characters and bigrams, toneless pinyin, English words.

Chinese has no spaces, so a normalised question is split into units (one Chinese character, or
one run of letters/digits such as "1+4+n" or "2024") and indexed as unigrams plus adjacent
bigrams. The pinyin channel does the same over toneless syllables, so 通半 and 通办 (tong ban)
meet. English is split into lower-case words with a light stemmer and no stop words.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from bot.matching.normalize import is_cjk

_UNIT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[0-9a-z][0-9a-z+.]*")
_WORD = re.compile(r"[a-z0-9]+(?:[+.][a-z0-9]+)*")

_STOP = """a an the of to in on at for and or is are was were be been am do does did can could
    i me my we our us you your it its this that these those there here what which who whom how
    when where why with by from about as into any some please would will shall should may might
    get got have has had need want tell know let s t just so if than then also very much"""
ENGLISH_STOP_WORDS = frozenset(_STOP.split())


def units(text: str) -> list[str]:
    """Chinese characters one by one, letter/digit runs whole, in order; a space breaks nothing."""
    return _UNIT.findall(text)


def grams(items: list[str]) -> list[str]:
    """Unigrams plus adjacent bigrams (joined with '|' so 'ab' and 'a|b' never collide)."""
    return [*items, *map("|".join, itertools.pairwise(items))]


def char_tokens(text: str) -> list[str]:
    """Tokens of a normalised Chinese text for the character channel."""
    return grams(units(text))


@lru_cache(maxsize=65536)
def syllable(unit: str) -> str:
    """Toneless pinyin of one Chinese character (context-free, cached); other units unchanged."""
    if is_cjk(unit):
        return lazy_pinyin(unit, style=Style.NORMAL)[0]
    return unit


def pinyin_units(text: str) -> list[str]:
    return [syllable(u) for u in units(text)]


@lru_cache(maxsize=65536)
def marked_syllable(unit: str) -> str:
    """'~' + the syllable: pinyin tokens never collide with letters typed as such."""
    return f"~{syllable(unit)}"


def pinyin_tokens(text: str) -> list[str]:
    """Tokens of a normalised Chinese text for the homophone channel."""
    return grams([marked_syllable(u) for u in units(text)])


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately small stemmer: plural and verb endings, enough for FAQ questions."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            if suffix == "es" and not word.endswith(("ses", "xes", "ches", "shes")):
                return word[:-1]
            return word[: -len(suffix)] + keep
    return word


def english_words(text: str) -> list[str]:
    """Stemmed content words of an English text (already case-folded by `normalize`)."""
    return [stem(w) for w in _WORD.findall(text) if w not in ENGLISH_STOP_WORDS]


def english_tokens(text: str) -> list[str]:
    """Words (no pairs: English paraphrases reorder freely), plus any Chinese as in char_tokens."""
    return english_words(text) + grams([u for u in units(text) if is_cjk(u)])


# Characters that shape a question rather than say what it is about (怎么、多少、哪个、是不是、
# 有没得 …). Rare across entries, they would otherwise weigh heavily in coverage, and a question
# about something else that shares a template ("社保卡丢了怎么补") would look covered.
QUESTION_CHARS = frozenset(
    "怎么样什哪个几多少是有的了吗呢吧啊嘛呀我你他们这那些要想能可以不没得去啥咋谁在"
)
QUESTION_WEIGHT = 0.2  # a token made only of such characters
MIXED_WEIGHT = 0.5  # a pair with one of them ("长|是", "丢|了")


def question_scale(tokens: list[str]) -> list[float]:
    """A coverage weight factor per token of `char_tokens`: question words count little."""
    scale: list[float] = []
    for token in tokens:
        parts = token.split("|")
        light = sum(part in QUESTION_CHARS for part in parts)
        scale.append(1.0 if not light else QUESTION_WEIGHT if light == len(parts) else MIXED_WEIGHT)
    return scale
