"""The console's side of the learning loop (issue 18), over `bot.learning.review`:

- the 转为知识 form on a ticket staff answered (`teach_form`, filed by `propose`): a new wording
  for one of the closest entries, or a new entry drafted from the staff reply with the
  department that owns it;
- the 知识库 tab's 待审核 view: each open proposal with its change, origin and checks, approved
  or rejected (with the reason) by a staff member other than its author; approval writes the
  YAML and the service reloads it (at once with `after_approval`, else within a minute);
- this week's unanswered questions grouped (`group_gaps`), each with a one-click proposal from
  its best staff answer.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.console.sessions import Staff
from bot.helpdesk.roster import load_roster
from bot.kb.model import UnknownEntryError
from bot.learning import review
from bot.learning.change import ChangeError
from bot.learning.checks import Checks
from bot.learning.draft import Draft, closest_entries, ticket_question
from bot.learning.gaps import GAP_STATUSES, group_gaps
from bot.learning.refusal import Refusal
from bot.matching.matcher import Matcher
from bot.store.model import Ticket
from bot.store.proposals import ProposalDecidedError, ProposalNotFound
from bot.words import (
    console_author_refused_text,
    console_proposal_decided_text,
    console_proposal_made_text,
    console_proposal_not_done_text,
    console_proposal_refused_text,
    entry_title,
    teach_refused_text,
)

if TYPE_CHECKING:
    from bot.console.app import Console

log = logging.getLogger(__name__)

GAP_DAYS = 7  # the weekly list
AUDIENCES = ("resident", "enterprise", "both")
TEACH_FIELDS = (
    "kind",
    "entry_id",
    "questions",
    "title",
    "category",
    "audience",
    "answer",
    "answer_en",
    "owner",
    "public_number",
)
LONGEST_FIELD = 4000  # characters kept of any one field


def teach_form(
    matcher: Matcher, ticket: Ticket, language: str, sent: dict[str, str]
) -> dict[str, Any] | None:
    """What the 转为知识 form shows for `ticket` (None until staff answered it): the question
    as it would be stored, the closest entries, the categories, and the fields filled in
    (`sent` after a refusal, else the staff reply as the answer)."""
    if not ticket.last_staff_reply:
        return None
    kb = matcher.kb
    question, _ = ticket_question(ticket)
    closest = []
    for entry_id in closest_entries(ticket, matcher, question):
        try:
            closest.append((entry_id, entry_title(kb.entry(entry_id), language)))
        except UnknownEntryError:
            continue
    categories = [(c.id, c.title_en if language == "en" else c.title) for c in kb.categories]
    values = {"kind": "wording" if closest else "entry", "answer": ticket.last_staff_reply}
    values |= {key: value for key, value in sent.items() if value}
    if not values.get("category") and closest:
        values["category"] = kb.entry(closest[0][0]).category
    return {
        "question": question,
        "closest": closest,
        "categories": categories,
        "audiences": AUDIENCES,
        "v": values,
    }


def form_fields(form: FormData) -> dict[str, str]:
    """The 转为知识 form's fields as sent (text only, each cut to a sane length)."""
    found = {}
    for key in TEACH_FIELDS:
        value = form.get(key)
        found[key] = value.strip()[:LONGEST_FIELD] if isinstance(value, str) else ""
    return found


def draft_from(fields: dict[str, str]) -> Draft:
    """The learning loop's draft from the form's fields."""
    kind = fields["kind"] if fields["kind"] in ("wording", "entry") else "wording"
    audience = fields["audience"] if fields["audience"] in AUDIENCES else "resident"
    return Draft(
        kind,
        # The closest entry chosen for a wording; a new entry's id is made from the ticket.
        entry_id=(fields["entry_id"] or None) if kind == "wording" else None,
        questions=tuple(q.strip() for q in fields["questions"].splitlines() if q.strip()),
        title=fields["title"],
        category=fields["category"],
        audience=audience,
        answer=fields["answer"],
        answer_en=fields["answer_en"],
        owner=fields["owner"],
        public_number=fields["public_number"],
    )


async def propose(console: Console, staff: Staff, number: int, fields: dict[str, str]) -> int:
    """File the proposal the form describes and start its checks; return its number. Raises
    TicketNotFound, or ChangeError naming what the draft lacks."""
    setup = review.setup_for(console.settings)
    draft = draft_from(fields)
    proposal = await review.file_proposal(
        console.store, setup, number, draft, staff.actor, console.clock()
    )
    check_in_background(console, proposal.number)
    return proposal.number


def check_in_background(console: Console, number: int) -> None:
    """Run proposal `number`'s checks (half a minute on a large knowledge base) beside the
    requests; the 待审核 view shows them when done. Once per proposal at a time."""
    if number in console.checking:
        return
    task = asyncio.create_task(_check(console, number), name=f"checks P{number}")
    console.checking[number] = task
    task.add_done_callback(lambda _: console.checking.pop(number, None))


async def _check(console: Console, number: int) -> None:
    setup = review.setup_for(console.settings)
    try:
        await review.check_proposal(console.store, setup, number)
    except Exception as exc:  # shown with the proposal; approving runs the checks again
        log.exception("the checks on proposal P%d could not run", number)
        failed = Checks(problems=[f"{type(exc).__name__}: {exc}"])
        await console.store.set_proposal_checks(number, failed.to_json())


async def proposals_page(console: Console, request: Request, staff: Staff) -> Response:
    """待审核: the open proposals with their checks, and this week's unanswered groups."""
    params = request.query_params
    notice = ""
    for key, made in (("made", None), ("approved", True), ("rejected", False)):
        value = params.get(key, "")
        if value.isascii() and value.isdigit():
            number = int(value)
            notice = (
                console_proposal_made_text(number, staff.language)
                if made is None
                else console_proposal_decided_text(number, made, staff.language)
            )
    return await render_proposals(console, staff, notice=notice)


async def render_proposals(
    console: Console,
    staff: Staff,
    *,
    notice: str = "",
    error: str = "",
    failed: int | None = None,
    code: int = 200,
) -> Response:
    """The 待审核 page; `error` beside proposal `failed` (and above the list)."""
    store = console.store
    roster = await load_roster(store, console.settings)
    matcher = console.knowledge()
    proposals = []
    for proposal, change, checks in await review.open_proposals(store):
        if checks is None:  # filed before a restart, or running now
            check_in_background(console, proposal.number)
        try:
            title = entry_title(matcher.kb.entry(change.entry_id), staff.language)
        except UnknownEntryError:
            title = change.title
        proposals.append(
            {
                "p": proposal,
                "c": change,
                "k": checks,
                "title": title,
                "author": roster.name(proposal.author),
                "mine": proposal.author == staff.actor,
                "error": error if failed == proposal.number else "",
            }
        )
    since = console.clock() - timedelta(days=GAP_DAYS)
    tickets = [t for t in await store.tickets(statuses=GAP_STATUSES) if t.created_at >= since]
    gaps = group_gaps(tickets, matcher)
    return console.page(
        "proposals.html",
        staff,
        code,
        proposals=proposals,
        gaps=gaps,
        notice=notice,
        error=error,
    )


async def decide(console: Console, request: Request, staff: Staff) -> Response:
    """Approve or reject one proposal; a refusal shows the page again with the reason."""
    number = int(request.path_params["number"])
    decision = request.path_params["decision"]
    if decision not in ("approve", "reject"):
        return console.message("not_found", 404, staff)
    form = await request.form()
    language = staff.language
    now = console.clock()
    try:
        if decision == "approve":
            await review.approve(
                console.store,
                review.setup_for(console.settings),
                number,
                staff.actor,
                now,
                despite_stolen=form.get("despite_stolen") == "1",
            )
            if console.after_approval is not None:
                await console.after_approval()
        else:
            why = form.get("why")
            await review.reject(
                console.store, number, staff.actor, why if isinstance(why, str) else "", now
            )
    except ProposalNotFound:
        return console.message("not_found", 404, staff)
    except review.AuthorCannotReviewError:
        message = console_author_refused_text(number, language)
        return await render_proposals(console, staff, error=message, failed=number, code=403)
    except review.ReviewRefusedError as exc:
        reasons = teach_refused_text(exc.refusals, "console", language)
        message = console_proposal_refused_text(number, reasons, language)
        return await render_proposals(console, staff, error=message, failed=number, code=409)
    except ProposalDecidedError:
        reasons = teach_refused_text([Refusal("decided", proposal=number)], "console", language)
        message = console_proposal_not_done_text(reasons, language)
        return await render_proposals(console, staff, error=message, failed=number, code=409)
    except ChangeError as exc:  # a rejection without its reason
        reasons = teach_refused_text([exc.refusal], "console", language)
        message = console_proposal_not_done_text(reasons, language)
        return await render_proposals(console, staff, error=message, failed=number, code=400)
    done = "approved" if decision == "approve" else "rejected"
    return RedirectResponse(f"/knowledge/proposals?{done}={number}", status_code=303)
