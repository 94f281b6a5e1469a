"""The console's other pages: logging in with a one-time link and out, the stats with their
charts for a chosen period, and the knowledge entries (read-only) with how often each answered
residents this week."""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from bot.console import charts
from bot.console.figures import BUCKETS, figures
from bot.console.sessions import NotLoggedInError, Staff
from bot.helpdesk.assignment import NotStaffError
from bot.store.console import ConsoleLinkRefusedError
from bot.store.model import CATEGORIES
from bot.words import (
    answer_text,
    console_age_text,
    console_category_label,
    console_page_text,
    console_words,
    entry_title,
    rating_label,
)

if TYPE_CHECKING:
    from bot.console.app import Console

log = logging.getLogger(__name__)

PERIODS = (7, 30, 90)  # days the stats page offers
LONGEST_PERIOD = 366  # days a chosen period may span
KNOWLEDGE_PAGE = 40  # entries to a page: their answers make the page heavy


async def login(request: Request) -> Response:
    """Redeem a one-time link: a brand-new session (any session the browser had ends)."""
    console: Console = request.app.state.console
    token = request.path_params["token"]
    now = console.clock()
    try:
        cookie, user_id = await console.sessions.login(token, now)
    except ConsoleLinkRefusedError as exc:
        return console.message(f"link_{exc.reason}", 403)
    except NotStaffError:
        return console.message("not_staff", 403)
    with suppress(NotLoggedInError):  # the session the browser came with ends: no fixation
        await console.sessions.logout(await console.sessions.current(request, now))
    log.info("console: staff %s logged in", user_id)
    # A page, not a redirect: the SameSite=Strict cookie is then sent on the next request even
    # when the link was opened from another site (Telegram's in-app browser, a mail client).
    response = console.page("login.html", None)
    console.sessions.set_cookie(response, cookie)
    return response


async def logout(console: Console, request: Request, staff: Staff) -> Response:
    await console.sessions.logout(staff)
    response = console.message("logged_out", 200)
    console.sessions.clear_cookie(response)
    return response


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


async def stats_page(console: Console, request: Request, staff: Staff) -> Response:
    """The figures of the last 7, 30 or 90 days, or of the days from `since` to `until`."""
    params = request.query_params
    days = params.get("days", "30")
    period = int(days) if days in {str(p) for p in PERIODS} else 30
    now = console.clock()
    zone = console.workflow.limits.hours.zone
    today = now.astimezone(zone).date()
    first, last = _day(params.get("since", "")), _day(params.get("until", ""))
    if first and last and first <= last <= today and (last - first).days < LONGEST_PERIOD:
        period = 0  # a chosen period, not one of the presets
        since = datetime.combine(first, time(), zone)
        until = min(now, datetime.combine(last + timedelta(days=1), time(), zone))
    else:
        first, last = today - timedelta(days=period - 1), today
        since, until = datetime.combine(first, time(), zone), now
    found = await figures(console.store, console.workflow, since, until)
    w = console_words(staff.language)
    day_labels = [d.strftime("%m-%d") for d in found.days]
    per_day = charts.stacked_bars(
        w["per_day"],
        day_labels,
        [
            (console_category_label(c, staff.language), [found.per_day[d][c] for d in found.days])
            for c in CATEGORIES
        ],
    )
    replies = charts.bars(
        w["first_reply"],
        [w[key] for key in BUCKETS] + [w["b_none"]],
        [n for _, n in found.reply_buckets] + [found.no_reply],
    )
    weeks = [d.strftime("%m-%d") for d, _, _ in found.weeks]
    shares = [a / q if q else None for _, a, q in found.weeks]
    share_chart = charts.line(w["answered_share"], weeks, shares)
    ratings = charts.bars(
        w["ratings"],
        [rating_label(r, staff.language) for r in found.ratings],
        list(found.ratings.values()),
    )
    median = (
        console_age_text(found.median_first_reply, staff.language)
        if found.median_first_reply is not None
        else "—"
    )
    return console.page(
        "stats.html",
        staff,
        periods=PERIODS,
        period=period,
        first=first,
        last=last,
        f=found,
        median=median,
        per_day=per_day,
        replies=replies,
        share_chart=share_chart,
        ratings=ratings,
        weekly=list(zip(weeks, found.weeks, shares, strict=True)),
    )


async def knowledge_page(console: Console, request: Request, staff: Staff) -> Response:
    """Entries (searched in the title and the questions), each with this week's answers."""
    wanted = request.query_params.get("q", "").strip().casefold()[:100]
    raw_page = request.query_params.get("page", "1")
    page = max(1, int(raw_page)) if raw_page.isascii() and raw_page.isdigit() else 1
    now = console.clock()
    zone = console.workflow.limits.hours.zone
    today = now.astimezone(zone).date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), time(), zone)
    counts: dict[str, int] = {}
    for _, entry_id in await console.store.answers_given(monday, now + timedelta(seconds=1)):
        counts[entry_id] = counts.get(entry_id, 0) + 1
    kb = console.knowledge().kb
    entries = [
        {
            "id": e.id,
            "title": entry_title(e, staff.language),
            "questions": e.questions,
            "answer": answer_text(e, staff.language),
            "answered": counts.get(e.id, 0),
        }
        for e in kb.entries
        if not wanted
        or wanted in e.title.casefold()
        or wanted in (e.title_en or "").casefold()
        or any(wanted in q.casefold() for q in e.questions)
    ]
    pages = max(1, -(-len(entries) // KNOWLEDGE_PAGE))
    shown = entries[(page - 1) * KNOWLEDGE_PAGE : page * KNOWLEDGE_PAGE]
    return console.page(
        "knowledge.html",
        staff,
        entries=shown,
        total=len(entries),
        q=wanted,
        page=page,
        pages=pages,
        page_text=console_page_text(min(page, pages), pages, len(entries), staff.language),
    )
