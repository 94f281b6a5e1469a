"""Input with nothing to act on: keyboard mash, lone digits, one character repeated.

The engine asks such senders to rephrase instead of filing a ticket for staff.
"""

from __future__ import annotations

import re

from bot.matching.normalize import is_cjk
from bot.matching.tokens import units

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_VOWELS = set("aeiouy")
_WORD = re.compile(r"[a-z]+")


def is_mash(word: str) -> bool:
    """A Latin 'word' nobody types on purpose: no vowels, one letter repeated, a keyboard row."""
    if len(word) < 4:
        return False
    if len(set(word)) <= 2 or not _VOWELS & set(word):
        return True
    return any(word[:4] in row or word[-4:] in row for row in _KEYBOARD_ROWS)


def is_gibberish(normalised: str) -> bool:
    """True for a normalised message with no word in it: empty, only digits, mash, 哈哈哈哈."""
    parts = units(normalised)
    if not parts:
        return True
    chinese = [u for u in parts if is_cjk(u)]
    words = _WORD.findall(normalised)
    if not chinese:
        if not words:  # digits only: a figure such as 1+8+63 or 2.8 is a name, 123456789 is not
            return not any(ch in "+." for ch in normalised)
        return all(is_mash(w) for w in words)
    return not words and len(chinese) >= 3 and len(set(chinese)) == 1
