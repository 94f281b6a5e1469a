"""Masking personal data: phone numbers and Chinese ID numbers never reach a log or a preview."""

from __future__ import annotations

import re
from collections.abc import Callable

# Mainland mobile numbers (optionally +86 / 86, the prefix in brackets, separated by spaces,
# hyphens or dots), landlines with an area code, and 18-character resident ID numbers (17 digits
# + digit or X, possibly in groups of 6 / 8 / 4, glued to letters or not).
_SEP = r"[ .\-]?"
ID_NUMBER = re.compile(rf"(?<!\d)(\d{{6}}){_SEP}(\d{{8}}){_SEP}(\d{{3}}[\dXx])(?!\d)")
MOBILE = re.compile(
    rf"(?<!\d)((?:\+?86[ -]?)?)[(（]?(1[3-9]\d)[)）]?{_SEP}(\d{{4}}){_SEP}(\d{{4}})(?!\d)"
)
LANDLINE = re.compile(rf"(?<!\d)[(（]?(0\d{{2,3}})[)）]?{_SEP}(\d{{3,4}}){_SEP}(\d{{4}})(?!\d)")

# Full-width digits (what a Chinese keyboard in full-width mode types) are folded first, so
# "１３８１２３４５６７８" is masked like "13812345678".
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋－", "0123456789Xx+-")
# Numbers written in Chinese numerals (一三五七二三四五六七八, 幺 for one, 两 for two, and the
# financial forms) are found as digits, but only inside a match is the text changed.
_CHINESE_DIGITS = str.maketrans(
    "〇零一幺二两三四五六七八九壹贰貳叁叄肆伍陆陸柒捌玖", "0011223456789122334566789"
)


def _mask(pattern: re.Pattern[str], masked: Callable[[re.Match[str]], str], text: str) -> str:
    """Replace each match of `pattern`, looked for with Chinese numerals read as digits."""
    probe = text.translate(_CHINESE_DIGITS)  # one character for one: positions line up
    pieces: list[str] = []
    last = 0
    for found in pattern.finditer(probe):
        pieces += [text[last : found.start()], masked(found)]
        last = found.end()
    return "".join(pieces) + text[last:]


def mask_id_numbers(text: str) -> str:
    """110101199003071234 → 110101********1234."""
    return _mask(ID_NUMBER, lambda m: f"{m.group(1)}{'*' * 8}{m.group(3)[-4:]}", text)


def mask_phones(text: str) -> str:
    """13812345678 → 138****5678; 023-63891234 → 023-****1234."""
    text = _mask(MOBILE, lambda m: f"{m.group(1)}{m.group(2)}****{m.group(4)}", text)
    return _mask(LANDLINE, lambda m: f"{m.group(1)}-****{m.group(3)}", text)


def mask_pii(text: str) -> str:
    """Mask every ID number and phone number in `text` (ID numbers first: they contain digits
    that would otherwise look like a phone number)."""
    return mask_phones(mask_id_numbers(text.translate(_FULL_WIDTH)))


def normalise_phone(raw: str) -> str | None:
    """A mainland mobile or landline number in canonical form, or None if it is not one."""
    digits = re.sub(r"[\s.\-()（）]", "", raw)
    digits = digits.removeprefix("+86").removeprefix("0086")
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits
    if re.fullmatch(r"0\d{2,3}\d{7,8}", digits):
        return digits
    return None


EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def remove_pii(text: str) -> str:
    """`text` without its ID numbers, phone numbers and e-mail addresses (for text that is kept
    for good, such as a question that becomes a knowledge-base wording)."""
    text = EMAIL.sub("", text.translate(_FULL_WIDTH))
    for pattern in (ID_NUMBER, MOBILE, LANDLINE):
        text = _mask(pattern, lambda m: "", text)
    return " ".join(text.split())
