"""The CSV export of every ticket (`python -m bot tickets export`): one row per ticket, phone and ID
numbers masked, written as UTF-8 with a byte-order mark so Excel opens the Chinese correctly.

Besides the ticket's own fields each row carries when it was first claimed or assigned, first
answered and closed, the holder's name, the residents' follow-ups and the close notes (several
joined by a line break)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

from bot.helpdesk.roster import Roster
from bot.privacy import mask_pii
from bot.store.interface import TicketStore
from bot.store.model import Event, Ticket

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
)
BOM_ENCODING = "utf-8-sig"  # Excel reads a UTF-8 CSV without the mark as the local code page


def row(ticket: Ticket, events: list[Event], roster: Roster) -> dict[str, object]:
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
    }


async def export(store: TicketStore, roster: Roster, target: Path | None, out: TextIO) -> int:
    """Write every ticket, oldest first, to `target` (with the BOM) or `out`; return the count."""
    tickets = sorted(await store.tickets(), key=lambda t: t.number)
    rows = [row(t, await store.events(t.number), roster) for t in tickets]
    if target is None:
        _write(rows, out)
    else:
        with target.open("w", encoding=BOM_ENCODING, newline="") as handle:
            _write(rows, handle)
    return len(rows)


def _write(rows: list[dict[str, object]], handle: TextIO) -> None:
    writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
