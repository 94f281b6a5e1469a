"""Standard replies (答复口径): a knowledge-base answer (`#entry-id`) or a saved snippet
(`$name`) sent as the staff reply, in the resident's language; and the snippets themselves
(`tickets snippet add|list|remove`, `/snippets`)."""

from __future__ import annotations

import re
from datetime import datetime

from bot.kb.model import KnowledgeBase
from bot.messages import CALLBACK_DATA_LIMIT
from bot.store.interface import TicketStore
from bot.words import answer_text

# Letters, digits, CJK, - and _; at most 16, so a confirm button's data (`send:N:$name`)
# stays within Telegram's 64 bytes.
SNIPPET_NAME = re.compile(r"[\w\-\u4e00-\u9fff]{1,16}")
ENTRY_MARK, SNIPPET_MARK = "#", "$"


class BadSnippetNameError(ValueError):
    """Raised when a snippet name has characters or a length a name cannot have."""


def is_standard_ref(text: str) -> bool:
    """`#entry-id` or `$name`, alone: a standard reply rather than text to send as it is."""
    text = text.strip()
    return len(text) > 1 and text[0] in (ENTRY_MARK, SNIPPET_MARK) and " " not in text


def check_snippet_name(name: str) -> str:
    if not SNIPPET_NAME.fullmatch(name) or len(f"send:999999:${name}".encode()) > (
        CALLBACK_DATA_LIMIT
    ):
        raise BadSnippetNameError(name)
    return name


async def standard_text(
    store: TicketStore, kb: KnowledgeBase, ref: str, language: str | None
) -> str:
    """The text `#entry-id` or `$name` stands for, in `language` (a knowledge-base answer in
    English when it has one, else Chinese, saying so). Raises UnknownEntryError or
    SnippetNotFound."""
    ref = ref.strip()
    if ref.startswith(ENTRY_MARK):
        return answer_text(kb.entry(ref[1:]), language)
    return (await store.snippet(ref[1:])).text


async def save_snippet(store: TicketStore, name: str, text: str, actor: str, now: datetime) -> bool:
    """Save (or replace) a snippet; return True when it is new."""
    return await store.save_snippet(check_snippet_name(name), text.strip(), actor, now)
