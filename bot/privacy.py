"""Masking personal data: phone numbers and Chinese ID numbers never reach a log or a preview."""

from __future__ import annotations

import re

# Mainland mobile numbers (optionally +86 / 86 and separators), landlines with an area code,
# and 18-character resident ID numbers (17 digits + digit or X).
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)((?:\+?86[ -]?)?1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[ -]?(\d{3,4})(\d{4})(?!\d)")


def mask_id_numbers(text: str) -> str:
    """110101199003071234 → 110101********1234."""
    return ID_NUMBER.sub(lambda m: f"{m.group(1)}{'*' * 8}{m.group(3)[-4:]}", text)


def mask_phones(text: str) -> str:
    """13812345678 → 138****5678; 023-63891234 → 023-****1234."""
    text = MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)


# Full-width digits (what a Chinese keyboard in full-width mode types) are folded first, so
# "１３８１２３４５６７８" is masked like "13812345678".
_FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋－", "0123456789Xx+-")


def mask_pii(text: str) -> str:
    """Mask every ID number and phone number in `text` (ID numbers first: they contain digits
    that would otherwise look like a phone number)."""
    return mask_phones(mask_id_numbers(text.translate(_FULL_WIDTH)))


def normalise_phone(raw: str) -> str | None:
    """A mainland mobile or landline number in canonical form, or None if it is not one."""
    digits = re.sub(r"[\s\-()（）]", "", raw)
    digits = digits.removeprefix("+86").removeprefix("0086")
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits
    if re.fullmatch(r"0\d{2,3}\d{7,8}", digits):
        return digits
    return None
