"""The CSV export of every ticket (`python -m bot tickets export`): one row per ticket, phone and ID
numbers masked, written as UTF-8 with a byte-order mark so Excel opens the Chinese correctly.

Besides the ticket's own fields each row carries when it was first claimed or assigned, first
answered and closed, the holder's name, the residents' follow-ups and the close notes (several
joined by a line break), its accept-by and answer-by due times (`deadlines`), and its 好差评
rating (5 非常满意 … 1 非常不满意), comment and, for a bad one, the follow-up's due time and
when it was recorded."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.helpdesk.deadlines import Rules, Timing, timings
from bot.helpdesk.roster import Roster
from bot.privacy import mask_pii
from bot.store.interface import TicketStore
from bot.store.model import Event, Rating, Ticket

CSV_COLUMNS = (
    "number",
    "created_at",
    "updated_at",
    "status",
    "category",
    "channel",
    "user_id",
    "chat_id",
    "name",
    "language",
    "assignee",
    "assignee_name",
    "phone",
    "text",
    "claimed_at",
    "first_reply_at",
    "closed_at",
    "last_staff_reply",
    "followups",
    "close_notes",
    "attachments",
    "accept_due_at",
    "answer_due_at",
    "rating",
    "rating_comment",
    "follow_up_due_at",
    "followed_up_at",
)
BOM_ENCODING = "utf-8-sig"  # Excel reads a UTF-8 CSV without the mark as the local code page


def row(
    ticket: Ticket,
    events: list[Event],
    roster: Roster,
    times: Timing | None = None,
    rating: Rating | None = None,
) -> dict[str, object]:
    """One ticket as a CSV row (personal numbers masked)."""

    def first(*kinds: str) -> str:
        found = [e.at for e in events if e.kind in kinds]
        return found[0].isoformat() if found else ""

    def texts(kind: str) -> str:
        return "\n".join(mask_pii(e.text) for e in events if e.kind == kind and e.text)

    closes = [e.at for e in events if e.kind == "closed"]
    return {
        "number": ticket.number,
        "created_at": ticket.created_at.isoformat(),
        "updated_at": ticket.updated_at.isoformat(),
        "status": ticket.status,
        "category": ticket.category,
        "channel": ticket.channel,
        "user_id": ticket.user_id,
        "chat_id": ticket.chat_id,
        "name": ticket.name,
        "language": ticket.language,
        "assignee": ticket.assignee or "",
        "assignee_name": roster.name(ticket.assignee) if ticket.assignee else "",
        "phone": mask_pii(ticket.phone) if ticket.phone else "",
        "text": mask_pii(ticket.text),
        "claimed_at": first("claimed", "assigned"),
        "first_reply_at": first("staff_reply"),
        "closed_at": closes[-1].isoformat() if closes and ticket.status == "closed" else "",
        "last_staff_reply": mask_pii(ticket.last_staff_reply or ""),
        "followups": texts("resident_followup"),
        "close_notes": texts("closed"),
        "attachments": " ".join(ticket.attachments),
        "accept_due_at": _iso(times.accept.due if times else None),
        "answer_due_at": _iso(times.answer.due if times else None),
        "rating": rating.rating if rating else "",
        "rating_comment": mask_pii(rating.comment or "") if rating else "",
        "follow_up_due_at": _iso(rating.follow_up_due_at if rating else None),
        "followed_up_at": _iso(rating.followed_up_at if rating else None),
    }


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else ""


async def export(
    store: TicketStore, roster: Roster, rules: Rules, target: Path | None, out: TextIO
) -> int:
    """Write every ticket, oldest first, to `target` (with the BOM) or `out`; return the count."""
    tickets = sorted(await store.tickets(), key=lambda t: t.number)
    times = await timings(store, rules, tickets)
    rated = {r.ticket_number: r for r in await store.ratings()}
    rows = [
        row(t, await store.events(t.number), roster, times[t.number], rated.get(t.number))
        for t in tickets
    ]
    if target is None:
        _write(rows, out)
    else:
        with target.open("w", encoding=BOM_ENCODING, newline="") as handle:
            _write(rows, handle)
    return len(rows)


def _write(rows: list[dict[str, object]], handle: TextIO) -> None:
    writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows({key: inert(value) for key, value in r.items()} for r in rows)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula


def inert(value: object) -> object:
    """A cell a spreadsheet shows as text: residents' text starting like a formula
    (`=HYPERLINK(…)`) gets a leading apostrophe (OWASP's advice for CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
