"""Split long text into message-sized chunks at natural breaks, never inside a word."""

from __future__ import annotations

import re

MESSAGE_LIMIT = 4096  # Telegram's limit for one text message, in UTF-16 code units
CAPTION_LIMIT = 1024  # and for a photo caption

# Where to break, best first: a blank line, a line end, a sentence end, a space, a comma.
_BREAKS = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"[。！？!?；;…]+[”’\"')）]*|[.](?=\s)"),
    re.compile(r"\s+"),
    re.compile(r"[，、,：:]"),
)


def text_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut `text` into pieces of at most `limit` units; always returns at least one piece."""
    pieces: list[str] = []
    rest = text
    while text_length(rest) > limit:
        window = _prefix(rest, limit)
        cut = _best_cut(rest, len(window))
        piece = rest[:cut].rstrip()
        if not piece:  # the window is all whitespace
            piece, cut = window, len(window)
        pieces.append(piece)
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _prefix(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text


def _best_cut(text: str, size: int) -> int:
    """Where to end the piece `text[:size]`: after the best break in its second half."""
    window = text[:size]
    floor = size // 2
    for pattern in _BREAKS:
        ends = [m.end() for m in pattern.finditer(window) if m.end() > floor]
        if ends:
            return ends[-1]
    # No break at all (one very long word, or CJK text without punctuation). CJK characters can
    # be split anywhere; a Latin word is kept whole unless it alone fills the window.
    cut = size
    while cut > floor and _inside_word(text, cut):
        cut -= 1
    return cut if cut > floor else size


def _inside_word(text: str, index: int) -> bool:
    before, after = text[index - 1], text[index] if index < len(text) else " "
    return before.isascii() and before.isalnum() and after.isascii() and after.isalnum()
