"""The 答复口径 picker on a ticket page: knowledge entries found by title (and the saved
snippets), and the reply box filled with the chosen one in the resident's language, to edit
before sending."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from bot.console.sessions import Staff
from bot.helpdesk import operations as staff_ops
from bot.helpdesk import standard
from bot.kb.model import UnknownEntryError
from bot.store.database import TicketNotFound
from bot.store.staffwork import SnippetNotFound
from bot.words import answer_text, entry_title, unknown_entry_text, unknown_snippet_text

if TYPE_CHECKING:
    from bot.console.app import Console

PICKER_LIMIT = 8


async def standard_picker(console: Console, request: Request, staff: Staff) -> Response:
    """答复口径: entries whose title has the search words (and the snippets), or, with `entry`
    or `snippet`, the reply box filled with that text in the resident's language."""
    number = int(request.path_params["number"])
    params = request.query_params
    store = console.store
    try:
        ticket = await store.ticket(number)
    except TicketNotFound:
        return console.message("not_found", 404, staff)
    ref = ("#" + params["entry"]) if params.get("entry") else ("$" + params.get("snippet", ""))
    if params.get("entry") or params.get("snippet"):
        theirs = await staff_ops.resident_language(store, ticket)
        try:
            text = await standard.standard_text(store, console.knowledge().kb, ref, theirs)
        except UnknownEntryError:
            text, error = "", unknown_entry_text(params["entry"], staff.language)
        except SnippetNotFound:
            text, error = "", unknown_snippet_text(params.get("snippet", ""), staff.language)
        else:
            error = ""
        return console.block("ticket.html", "reply_box", staff, t=ticket, draft=text, error=error)
    wanted = params.get("q", "").strip().casefold()
    kb = console.knowledge().kb
    found = [
        {
            "id": e.id,
            "title": entry_title(e, staff.language),
            "preview": answer_text(e, staff.language)[:80],
        }
        for e in kb.entries
        if wanted and (wanted in e.title.casefold() or wanted in (e.title_en or "").casefold())
    ][:PICKER_LIMIT]
    return console.block("ticket.html", "picker", staff, t=ticket, found=found, q=wanted)
