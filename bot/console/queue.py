"""The queue page: tabs (未认领 / 我的 / 即将超期 / 已超期 / 待回访 / 全部), filters (status,
category, assignee, dates), search, sort and pages; its rows block alone for htmx (polled, so
new tickets appear without a reload); and the CSV of the current view."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from bot.console.sessions import Staff
from bot.helpdesk import export, queues
from bot.helpdesk.deadlines import Timing
from bot.helpdesk.roster import Roster, load_roster, staff_actor
from bot.privacy import mask_pii
from bot.store.model import CATEGORIES, SORTS, STATUSES, Ticket, TicketQuery
from bot.words import console_age_text, console_category_label, console_page_text, status_label

if TYPE_CHECKING:
    from bot.console.app import Console

TABS = ("unassigned", "mine", "due", "overdue", "rated-bad", "all")
DUE_TABS = ("due", "overdue")  # chosen by the working-day limits (bot/helpdesk/queues.py find)
PAGE_SIZE = 50
QUESTION_LENGTH = 60
CSV_LIMIT = 10_000  # rows in one export


@dataclass(frozen=True)
class View:
    """The queue as the URL asks for it; anything unknown falls back to the default."""

    tab: str = "unassigned"
    status: str = ""
    category: str = ""
    assignee: str = ""  # a user id, or "" for anyone
    since: date | None = None
    until: date | None = None
    q: str = ""
    sort: str = "newest"
    page: int = 1

    def params(self, **changes: Any) -> str:
        """The query string of this view with `changes`, for links (tabs, pages, CSV)."""
        view = replace(self, **changes)
        pairs = {
            "tab": view.tab,
            "status": view.status,
            "category": view.category,
            "assignee": view.assignee,
            "since": view.since.isoformat() if view.since else "",
            "until": view.until.isoformat() if view.until else "",
            "q": view.q,
            "sort": view.sort,
            "page": str(view.page),
        }
        return str(QueryParams({k: v for k, v in pairs.items() if v}))


def read_view(params: QueryParams) -> View:
    def choice(name: str, allowed: tuple[str, ...], default: str = "") -> str:
        value = params.get(name, default)
        return value if value in allowed else default

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(params.get(name, ""))
        except ValueError:
            return None

    page = params.get("page", "1")
    assignee = params.get("assignee", "")
    return View(
        tab=choice("tab", TABS, "unassigned"),
        status=choice("status", STATUSES),
        category=choice("category", CATEGORIES),
        assignee=assignee if assignee.isascii() and assignee.isdigit() else "",
        since=day("since"),
        until=day("until"),
        q=params.get("q", "").strip()[:100],
        sort=choice("sort", SORTS, "newest"),
        page=max(1, int(page)) if page.isascii() and page.isdigit() else 1,
    )


def view_query(view: View, staff: Staff, console: Console) -> TicketQuery:
    """The store query for a view (the helpdesk's queues: due and overdue are then chosen by
    their time limits, rated-bad is a bad rating not followed up yet)."""
    zone = console.workflow.limits.hours.zone
    base = TicketQuery(
        statuses=(view.status,) if view.status else (),
        category=view.category or None,
        assignee=staff_actor(int(view.assignee)) if view.assignee else None,
        text=view.q or None,
        since=datetime.combine(view.since, time(), zone) if view.since else None,
        until=datetime.combine(view.until + timedelta(days=1), time(), zone)
        if view.until
        else None,
        sort=view.sort,
    )
    if view.tab == "all":  # (the helpdesk's "all" would drop the status filter)
        return base
    return queues.queue_query(view.tab, staff.actor, base)


async def tickets_in_view(
    console: Console, view: View, staff: Staff, now: datetime, *, limit: int = PAGE_SIZE
) -> tuple[list[Ticket], int]:
    """One page of the view's tickets and how many there are in all."""
    query = view_query(view, staff, console)
    if view.tab in DUE_TABS:  # most urgent first
        rules = console.workflow.rules
        hits = [t for t, _ in await queues.find(console.store, rules, view.tab, query, now)]
        start = (view.page - 1) * limit
        return hits[start : start + limit], len(hits)
    page = replace(query, limit=limit, offset=(view.page - 1) * limit)
    return await console.store.search(page), await console.store.search_count(query)


def row(
    console: Console,
    ticket: Ticket,
    timing: Timing | None,
    roster: Roster,
    now: datetime,
    language: str,
) -> dict[str, Any]:
    lines = ticket.text.strip().splitlines()
    return {
        "number": ticket.number,
        "age": console_age_text(console.workflow.age(ticket, now), language),
        "due": console.workflow.state(timing, now),
        "category": console_category_label(ticket.category, language),
        "question": mask_pii(lines[0] if lines else "")[:QUESTION_LENGTH],
        "assignee": roster.name(ticket.assignee) if ticket.assignee else "",
        "status": status_label(ticket.status, language),
    }


async def queue_page(console: Console, request: Request, staff: Staff) -> Response:
    """The queue (the rows block alone when htmx asks: polling, filtering)."""
    view = read_view(request.query_params)
    now = console.clock()
    roster = await load_roster(console.store, console.settings)
    values: dict[str, Any] = {"view": view, "tabs": TABS}
    tickets, total = await tickets_in_view(console, view, staff, now)
    times = await console.workflow.timings(console.store, tickets)
    pages = max(1, -(-total // PAGE_SIZE))
    values.update(
        rows=[row(console, t, times.get(t.number), roster, now, staff.language) for t in tickets],
        total=total,
        pages=pages,
        page_text=console_page_text(min(view.page, pages), pages, total, staff.language),
        statuses=[(s, status_label(s, staff.language)) for s in STATUSES],
        categories=[(c, console_category_label(c, staff.language)) for c in CATEGORIES],
        staff_members=sorted((uid, roster.name(staff_actor(uid))) for uid in roster.staff_ids),
    )
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "rows":
        return console.block("queue.html", "rows", staff, **values)
    return console.page("queue.html", staff, **values)


async def queue_csv(console: Console, request: Request, staff: Staff) -> Response:
    """The current view (every page of it) as CSV, personal numbers masked."""
    view = read_view(request.query_params)
    tickets, _ = await tickets_in_view(
        console, replace(view, page=1), staff, console.clock(), limit=CSV_LIMIT
    )
    roster = await load_roster(console.store, console.settings)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=export.CSV_COLUMNS)
    writer.writeheader()
    for ticket in tickets:
        row = export.row(ticket, await console.store.events(ticket.number), roster)
        writer.writerow({key: export.inert(value) for key, value in row.items()})
    return Response(
        ("\ufeff" + out.getvalue()).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="tickets.csv"'},
    )
