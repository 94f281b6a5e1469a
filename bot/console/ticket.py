"""One ticket: its whole history, the reply box with the 答复口径 picker, the internal note
box, claim / take / assign / release / close / reopen, the matcher's closest entries, who else
has it open, its photos fetched through the Bot API, and (once staff answered) the 转为知识
form (bot/console/teach.py).

Every action carries the ticket's `updated_at` as the page showed it: when someone changed the
ticket since, the action is refused (409) and the page shows the ticket as it is now."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.console.sessions import Staff
from bot.console.teach import form_fields, propose, teach_form
from bot.helpdesk import assignment, ratings
from bot.helpdesk import operations as staff_ops
from bot.helpdesk.roster import load_roster, staff_actor
from bot.helpdesk.views import event_text
from bot.kb.model import UnknownEntryError
from bot.learning.change import ChangeError
from bot.store.database import TicketNotFound
from bot.store.model import ClaimedByOtherError, InvalidTransitionError, NotRatedBadError, Rating
from bot.words import (
    assigned_text,
    console_category_label,
    console_event_label,
    console_presence_text,
    console_proposal_not_done_text,
    console_words,
    empty_reply_text,
    entry_title,
    follow_up_saved_text,
    held_by_text,
    not_rated_bad_text,
    not_staff_member_text,
    note_saved_text,
    rating_label,
    released_text,
    staff_done_text,
    status_label,
    teach_refused_text,
    transition_error_text,
    unknown_staff_text,
)

if TYPE_CHECKING:
    from bot.console.app import Console

log = logging.getLogger(__name__)

ACTIONS = (
    "claim",
    "take",
    "assign",
    "release",
    "reply",
    "note",
    "close",
    "reopen",
    "followup",
)
PICKER_LIMIT = 8
CLOSEST = 3
PHOTO_TIMEOUT = 10.0


class StaleTicketError(Exception):
    """Raised when an action was made on a page older than the ticket's last change."""


async def ticket_page(console: Console, request: Request, staff: Staff) -> Response:
    number = int(request.path_params["number"])
    done = request.query_params.get("done", "")
    return await render_ticket(
        console, staff, number, notice=await _done_text(console, staff, number, done)
    )


async def render_ticket(
    console: Console,
    staff: Staff,
    number: int,
    *,
    notice: str = "",
    error: str = "",
    code: int = 200,
    draft: str = "",
    teach: dict[str, str] | None = None,
) -> Response:
    """The ticket page; `error` above it, and `draft` / `teach` refill the reply box and the
    转为知识 form after a refusal."""
    store = console.store
    try:
        ticket = await store.ticket(number)
    except TicketNotFound:
        return console.message("not_found", 404, staff)
    events = await store.events(number)
    roster = await load_roster(store, console.settings)
    timing = (await console.workflow.timings(store, [ticket])).get(number)
    try:
        rating: Rating | None = await store.rating(number)
    except TicketNotFound:
        rating = None

    def who(actor: str | None) -> str:
        return roster.name(actor)

    history = [
        {
            "at": e.at,
            "kind": e.kind,
            "label": console_event_label(e.kind, staff.language),
            "who": who(e.actor),
            "text": event_text(e, who),
        }
        for e in events
    ]
    matcher = console.knowledge()
    decision = matcher.decide(ticket.text)
    closest = []
    for candidate in (*decision.candidates, *decision.related)[:CLOSEST]:
        try:
            entry = matcher.kb.entry(candidate.entry_id)
        except UnknownEntryError:
            continue
        closest.append(
            {
                "id": entry.id,
                "title": entry_title(entry, staff.language),
                "score": round(candidate.score),
            }
        )
    values: dict[str, Any] = {
        "t": ticket,
        "number": number,
        "seen": ticket.updated_at.isoformat(),
        "status": status_label(ticket.status, staff.language),
        "category": console_category_label(ticket.category, staff.language),
        "assignee": who(ticket.assignee) if ticket.assignee else "",
        "history": history,
        "closest": closest,
        "due": console.workflow.state(timing, console.clock()),
        "due_at": console.workflow.due_at(timing),
        "rating": rating,
        "rating_label": rating_label(rating.rating, staff.language) if rating else "",
        "staff_members": sorted((uid, who(staff_actor(uid))) for uid in roster.staff_ids),
        "snippets": await store.snippets(),
        "notice": notice,
        "error": error,
        "draft": draft,
        "presence": await _presence_text(console, staff, number),
        "teach": teach_form(matcher, ticket, staff.language, teach or {}),
    }
    return console.page("ticket.html", staff, code, **values)


async def _done_text(console: Console, staff: Staff, number: int, done: str) -> str:
    language = staff.language
    if done in ("claim", "take", "reply", "close", "reopen"):
        return staff_done_text(done, number, staff.name, language)
    if done == "note":
        return note_saved_text(number, language)
    if done == "followup":
        return follow_up_saved_text(number, language)
    if done == "release":
        return released_text(number, language)
    if done == "assign":
        try:
            ticket = await console.store.ticket(number)
        except TicketNotFound:
            return ""
        roster = await load_roster(console.store, console.settings)
        return assigned_text(number, roster.name(ticket.assignee), True, language)
    return ""


async def act(console: Console, request: Request, staff: Staff) -> Response:
    """Do one action on the ticket, unless it changed since the page was shown."""
    number = int(request.path_params["number"])
    action = request.path_params["action"]
    if action not in ACTIONS:
        return console.message("not_found", 404, staff)
    form = await request.form()
    text = str(form.get("text", "")).strip()
    seen = str(form.get("seen", ""))
    store, now, actor, language = console.store, console.clock(), staff.actor, staff.language
    try:
        async with store.transaction():
            ticket = await store.ticket(number)
            if ticket.updated_at.isoformat() != seen:
                raise StaleTicketError(number)
            if action in ("claim", "take"):
                await staff_ops.claim(store, number, actor, now, take_over=action == "take")
            elif action == "assign":
                await assignment.assign(store, console.settings, number, actor, text, now)
            elif action == "release":
                await assignment.release(store, number, actor, now)
            elif action == "reply":
                await staff_ops.reply(store, number, actor, text, now)
            elif action == "note":
                await staff_ops.note(store, number, actor, text, now)
            elif action == "close":
                await staff_ops.close(store, number, actor, text, now)
            elif action == "followup":
                if not text:
                    raise staff_ops.EmptyReplyError(number)
                await ratings.follow_up(store, number, actor, text, now)
            else:
                await staff_ops.reopen(store, number, actor, now)
    except TicketNotFound:
        return console.message("not_found", 404, staff)
    except StaleTicketError:
        stale = console_words(language)["stale"]
        return await render_ticket(
            console,
            staff,
            number,
            error=stale,
            code=409,
            draft=text if action in ("reply", "note") else "",
        )
    except ClaimedByOtherError as exc:
        holder = (await load_roster(store, console.settings)).name(exc.holder)
        return await render_ticket(
            console, staff, number, error=held_by_text(number, holder, language), code=409
        )
    except InvalidTransitionError as exc:
        message = transition_error_text(number, exc.reason, exc.status, language)
        return await render_ticket(console, staff, number, error=message, code=409)
    except NotRatedBadError:
        return await render_ticket(
            console, staff, number, error=not_rated_bad_text(number, language), code=409
        )
    except staff_ops.EmptyReplyError:
        return await render_ticket(
            console, staff, number, error=empty_reply_text(language), code=400
        )
    except assignment.UnknownStaffError:
        message = unknown_staff_text(text, language)
        return await render_ticket(console, staff, number, error=message, code=400)
    except assignment.NotStaffError as exc:
        message = not_staff_member_text(str(exc.user_id), language)
        return await render_ticket(console, staff, number, error=message, code=400)
    console.presence.saw(number, staff.user_id, now)
    return RedirectResponse(f"/tickets/{number}?done={action}", status_code=303)


async def teach(console: Console, request: Request, staff: Staff) -> Response:
    """转为知识: file the form as a knowledge proposal and show it with its checks (the
    checks take seconds); what the draft lacks is said above the form, kept as sent."""
    number = int(request.path_params["number"])
    fields = form_fields(await request.form())
    try:
        proposal = await propose(console, staff, number, fields)
    except TicketNotFound:
        return console.message("not_found", 404, staff)
    except ChangeError as exc:
        reasons = teach_refused_text([exc.refusal], "console", staff.language)
        message = console_proposal_not_done_text(reasons, staff.language)
        return await render_ticket(console, staff, number, error=message, code=400, teach=fields)
    return RedirectResponse(f"/knowledge/proposals?made={proposal}#p{proposal}", status_code=303)


async def presence_block(console: Console, request: Request, staff: Staff) -> Response:
    """Who else has the ticket open (polled; a POST says this staff member is typing)."""
    number = int(request.path_params["number"])
    console.presence.saw(number, staff.user_id, console.clock(), replying=request.method == "POST")
    return console.block(
        "ticket.html",
        "presence",
        staff,
        number=number,  # the block polls itself again at this ticket's address
        presence=await _presence_text(console, staff, number),
    )


async def _presence_text(console: Console, staff: Staff, number: int) -> str:
    now = console.clock()
    console.presence.saw(number, staff.user_id, now)
    others = console.presence.others(number, staff.user_id, now)
    if not others:
        return ""
    roster = await load_roster(console.store, console.settings)
    replying = [roster.name(staff_actor(uid)) for uid, typing in others if typing]
    viewing = [roster.name(staff_actor(uid)) for uid, typing in others if not typing]
    parts = []
    if replying:
        parts.append(console_presence_text(replying, True, staff.language))
    if viewing:
        parts.append(console_presence_text(viewing, False, staff.language))
    return "；".join(parts) if staff.language != "en" else "; ".join(parts)
