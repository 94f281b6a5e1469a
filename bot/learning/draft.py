"""Drafting a proposal from a ticket staff answered: the resident's question (phone numbers, ID
numbers and e-mail addresses removed) as a new wording for the closest entry, or a new entry
drafted from the staff reply with the department that owns it as its source."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.kb.model import ID_PATTERN, KnowledgeBase, UnknownEntryError
from bot.learning.change import Change, ChangeError, SeedQuote, StaffSource
from bot.learning.refusal import Refusal
from bot.matching.matcher import Matcher
from bot.privacy import remove_pii
from bot.store.model import Ticket

# The line `words.ticket_for_answer_text` adds under a question answered before (👎): the entry.
_ANSWERED = re.compile(r"^（已给出的答案：([a-z0-9-]+)）$")
TITLE_CHARS = 30
_CLAUSE = re.compile(r"[，,；;。\n]")


@dataclass(frozen=True)
class Draft:
    """What staff fill in: everything optional except what the kind needs."""

    kind: str  # "wording" or "entry"
    entry_id: str | None = None  # wording: the entry (default: the closest); entry: the new id
    questions: tuple[str, ...] = ()  # wordings staff add to the ticket's question
    title: str = ""
    title_en: str = ""
    category: str = ""
    audience: str = "resident"
    answer: str = ""  # default: the latest staff reply
    answer_en: str = ""
    owner: str = ""  # the department that owns a staff answer
    public_number: str = ""
    seed_file: str = ""  # or a quote from a seed report
    seed_quote: str = ""


def ticket_question(ticket: Ticket) -> tuple[str, str | None]:
    """The resident's question in a ticket (its first line, personal data removed) and, for a
    ticket made from 👎, the entry that answered it."""
    lines = ticket.text.splitlines() or [""]
    answered = None
    for line in lines[1:]:
        found = _ANSWERED.match(line.strip())
        if found:
            answered = found.group(1)
    return without_personal_data(lines[0]), answered


def without_personal_data(text: str) -> str:
    """`text` without the clauses that held a phone number, ID number or e-mail address ("我
    电话138…，社区图书馆周末开门吗" → "社区图书馆周末开门吗"); the rest is kept as written."""
    clauses = [c for c in _CLAUSE.split(text) if c.strip()]
    kept = [c.strip() for c in clauses if remove_pii(c) == " ".join(c.split())]
    if not kept:  # nothing but personal data: what is left of it once removed
        return remove_pii(text)
    return "，".join(kept)


def origin_of(ticket: Ticket) -> str:
    """Where a proposal comes from: 👎 on an answer (a 'feedback' ticket), 都不是 after a
    clarify or 不是 after "您是想问…" (the tap's `none:` button in the ticket's idempotency
    key), or any other ticket."""
    if ticket.category == "feedback":
        return "thumbs-down"
    if ":none:" in (ticket.idempotency_key or ""):
        return "none-of-these"
    return "ticket"


def closest_entries(ticket: Ticket, matcher: Matcher, question: str) -> tuple[str, ...]:
    """The entries nearest the question: today's matcher's candidates, then those stored with
    the ticket; without the entry a 👎 said was wrong."""
    _, wrong = ticket_question(ticket)
    found = [c.entry_id for c in matcher.decide(question).candidates]
    found += [entry_id for entry_id, _ in ticket.candidates]
    known = {e.id for e in matcher.kb.entries}
    unique = dict.fromkeys(e for e in found if e != wrong and e in known)
    return tuple(unique)[:3]


def draft_change(
    ticket: Ticket, matcher: Matcher, draft: Draft, staff: str, today: datetime
) -> Change:
    """The change a draft describes, filled in from the ticket; raise ChangeError naming what
    is missing or wrong."""
    kb = matcher.kb
    question, _ = ticket_question(ticket)
    added = tuple(q for q in (without_personal_data(q) for q in draft.questions) if q)
    questions = tuple(dict.fromkeys(q for q in (question, *added) if q))
    if not questions:
        raise ChangeError(Refusal("no_question", ticket=ticket.number))
    candidates = closest_entries(ticket, matcher, question)
    if draft.kind == "wording":
        entry_id = draft.entry_id or (candidates[0] if candidates else "")
        if not entry_id:
            raise ChangeError(Refusal("no_close_entry", ticket=ticket.number))
        _known(kb, entry_id, ticket.number)
        return Change("wording", entry_id, questions, candidates)
    if draft.kind != "entry":
        raise ChangeError(Refusal("unknown_kind", ticket=ticket.number, detail=draft.kind))
    entry_id = draft.entry_id or f"staff-answer-{ticket.number}"
    if not ID_PATTERN.match(entry_id):
        raise ChangeError(Refusal("bad_id", ticket=ticket.number, entry=entry_id))
    if any(e.id == entry_id for e in kb.entries):
        raise ChangeError(Refusal("entry_exists", ticket=ticket.number, entry=entry_id))
    answer = (draft.answer or ticket.last_staff_reply or "").strip()
    if not answer:
        raise ChangeError(Refusal("no_staff_reply", ticket=ticket.number))
    category = draft.category or (kb.entry(candidates[0]).category if candidates else "")
    if not category:
        raise ChangeError(Refusal("no_category", ticket=ticket.number))
    if category not in {c.id for c in kb.categories}:
        raise ChangeError(Refusal("unknown_category", ticket=ticket.number, category=category))
    sources: tuple[StaffSource | SeedQuote, ...]
    if draft.seed_file and draft.seed_quote:
        sources = (SeedQuote(draft.seed_file, draft.seed_quote),)
    elif draft.owner.strip():
        when = today.date().isoformat()
        sources = (
            StaffSource(staff, ticket.number, when, draft.owner.strip(), draft.public_number),
        )
    else:
        raise ChangeError(Refusal("no_source", ticket=ticket.number))
    return Change(
        "entry",
        entry_id,
        questions,
        candidates,
        title=draft.title or question[:TITLE_CHARS],
        title_en=draft.title_en,
        category=category,
        audience=draft.audience,
        answer=answer,
        answer_en=draft.answer_en,
        sources=sources,
    )


def _known(kb: KnowledgeBase, entry_id: str, ticket: int) -> None:
    try:
        kb.entry(entry_id)
    except UnknownEntryError:
        raise ChangeError(Refusal("unknown_entry", ticket=ticket, entry=entry_id)) from None
