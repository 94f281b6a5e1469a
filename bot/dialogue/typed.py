"""A button's label typed instead of tapped ("补充说明 #2", "👎 没解决", "都不是"): the data of
the button it names, so typing does what tapping does. Labels of both languages are known."""

from __future__ import annotations

import re

from bot import words
from bot.dialogue.turn import Services, Turn

_TICKET_BUTTONS = (
    (re.compile(r"(?:补充说明|add details)\s*#?\s*(\d{1,9})", re.IGNORECASE), "add"),
    (
        re.compile(r"(?:撤回|withdraw)\s*(?:工单|ticket)?\s*#?\s*(\d{1,9})", re.IGNORECASE),
        "withdraw",
    ),
)
LANGUAGES = ("zh", "en")


def typed_button(svc: Services, turn: Turn, text: str) -> str | None:
    """The button data `text` names, or None when it is not a button's label."""
    typed = " ".join(text.split()).casefold()
    for pattern, head in _TICKET_BUTTONS:
        found = pattern.fullmatch(typed)
        if found:
            return f"{head}:{int(found.group(1))}"
    ref = turn.state.last_answer_ref
    if ref is not None and turn.state.flow is None:
        for language in LANGUAGES:
            up, down, _ = words.feedback_labels(language)
            if typed in (up.casefold(), _without_emoji(up)):
                return f"fb:up:{ref}"
            if typed in (down.casefold(), _without_emoji(down)):
                return f"fb:down:{ref}"
            if typed == words.none_of_these_label(language).casefold():
                return f"none:{ref}"
    for language in LANGUAGES:
        if typed == words.menu_back_label(language).casefold():
            return "menu"
        for category in svc.kb.categories:
            title = category.title_en if words.is_english(language) else category.title
            if title and typed == title.casefold():
                return f"cat:{category.id}"
    return None


def _without_emoji(label: str) -> str:
    """ "👍 有帮助" → "有帮助": the words of a label, as people type them."""
    return label.split(" ", 1)[-1].casefold()
