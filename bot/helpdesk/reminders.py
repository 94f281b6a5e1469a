"""The time-limit reminder: every few minutes, the tickets whose accept-by or answer-by due
time (and the bad ratings whose follow-up) became due soon or overdue since the last check are
posted to the staff group, grouped in one post; each (ticket, limit, state) is told once
(`due_notices`), so a restart or a second run repeats nothing. Also the calendar's warnings
(years neither a holiday file nor the package knows), posted once.

This replaced the SLA_HOURS reminder (tickets older than N calendar hours), retired in
issue 16: time limits are counted in working days now.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import Settings
from bot.helpdesk.deadlines import Rules, timings
from bot.privacy import mask_pii
from bot.store.interface import TicketStore
from bot.store.model import OPEN_STATUSES, TicketQuery
from bot.words import calendar_warning_text, due_reminder_text, due_short_text

CHECK_EVERY = timedelta(minutes=5)  # how often the service looks; each item is told once
LISTED = 20  # items named in one reminder; the rest are counted
PREVIEW = 40  # characters of each question shown
NOTICED = ("due_soon", "overdue")


async def queue_due_reminder(
    store: TicketStore, settings: Settings, rules: Rules, now: datetime
) -> int | None:
    """Queue one post naming what became due soon or overdue since the last check; its id."""
    if settings.staff_chat_id is None:
        return None
    async with store.transaction():
        tickets = await store.search(TicketQuery(statuses=OPEN_STATUSES, sort="oldest"))
        times = await timings(store, rules, tickets)
        questions = {t.number: t.text for t in tickets}
        found: list[tuple[int, str, datetime, str]] = []  # (ticket, limit, due, state)
        for ticket in tickets:
            for deadline in times[ticket.number].pending():
                state = rules.state(deadline.due, now)
                if state in NOTICED:
                    found.append((ticket.number, deadline.kind, deadline.due, state))
        for rating in await store.ratings(open_follow_ups=True):
            due = rating.follow_up_due_at
            if due is not None and (state := rules.state(due, now)) in NOTICED:
                found.append((rating.ticket_number, "follow_up", due, state))
        new = await store.note_due([(n, kind, state) for n, kind, _, state in found], now)
        chosen = [found[i] for i in sorted(new)]
        if not chosen:
            return None
        chosen.sort(key=lambda item: (item[3] != "overdue", item[2]))
        lines = []
        for number, kind, due, shown in chosen[:LISTED]:
            when = f"{rules.local(due):%m-%d %H:%M}"
            question = mask_pii(questions.get(number, "")).replace("\n", " ")
            if len(question) > PREVIEW:
                question = question[:PREVIEW] + "…"
            lines.append(f"#{number} · {due_short_text(kind, when, shown)} · {question}".rstrip())
        return await store.enqueue(
            settings.staff_chat_id,
            due_reminder_text(lines, max(0, len(chosen) - LISTED)),
            kind="staff_notice",
            dedupe_key=f"due:{now.isoformat()}",
            at=now,
        )


async def queue_calendar_warnings(
    store: TicketStore, settings: Settings, rules: Rules, now: datetime
) -> list[str]:
    """The calendar's warnings for the years in use; posted to the staff group once per set of
    years (the outbox's dedupe key). Returns them (the caller logs them)."""
    calendar = rules.calendar
    problems = calendar.warnings(calendar.years_in_use(now))
    if problems and settings.staff_chat_id is not None:
        years = "-".join(p.message.split()[1] for p in problems)
        await store.enqueue(
            settings.staff_chat_id,
            calendar_warning_text([str(p) for p in problems]),
            kind="staff_notice",
            dedupe_key=f"calendar:{years}",
            at=now,
        )
    return [str(p) for p in problems]
