"""How staff read tickets: one line for a list, the time limits of one ticket, and the whole
ticket with its history (the Telegram staff group and the `tickets` CLI show the same text).
The words are `bot.words`'."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot import words
from bot.helpdesk.deadlines import Rules, Timing
from bot.helpdesk.roster import Roster
from bot.messages import display_name, quoted
from bot.privacy import mask_pii
from bot.store.model import TAKEN_FROM, Event, Rating, Ticket


def ticket_line(
    ticket: Ticket,
    now: datetime,
    roster: Roster | None = None,
    timing: tuple[Timing, Rules] | None = None,
) -> str:
    """One line for a list: number, status, category, age, holder, the limit to watch (its
    due time and state), masked question."""
    age = words.age_text(int((now - ticket.created_at).total_seconds() // 60))
    question = mask_pii(ticket.text.splitlines()[0])[:50]
    holder = roster.name(ticket.assignee) if roster else ticket.assignee
    who = f" · {holder}" if ticket.assignee else ""
    label = words.category_label(ticket.category)
    due = ""
    if timing is not None:
        times, rules = timing
        watched = times.next_due()
        if watched is not None:
            when = f"{rules.local(watched.due):%m-%d %H:%M}"
            due = " · " + words.due_short_text(watched.kind, when, rules.state(watched.due, now))
    status = words.status_label(ticket.status)
    return f"#{ticket.number} · {status} · {label} · {age}{who}{due} · {question}"


def timing_lines(
    times: Timing, rules: Rules, now: datetime, rating: Rating | None = None
) -> list[str]:
    """The limits of one ticket for /ticket and `tickets show`: due times (local), states or
    when they were met; the rating and its follow-up."""
    lines = []
    for deadline in (times.accept, times.answer):
        when = f"{rules.local(deadline.due):%Y-%m-%d %H:%M}"
        met = None if deadline.met_at is None else f"{rules.local(deadline.met_at):%m-%d %H:%M}"
        state = None if times.closed_at else rules.state(deadline.due, now)
        late = not deadline.met_on_time
        lines.append(words.due_detail_text(deadline.kind, when, state, met, late, "zh"))
    if rating is not None:
        comment = mask_pii(rating.comment) if rating.comment else None
        lines.append(words.rating_line_text(rating.rating, comment))
        if rating.follow_up_due_at is not None:
            when = f"{rules.local(rating.follow_up_due_at):%Y-%m-%d %H:%M}"
            done = rating.followed_up_at
            lines.append(
                words.due_detail_text(
                    "follow_up",
                    when,
                    rules.state(rating.follow_up_due_at, now) if done is None else None,
                    None if done is None else f"{rules.local(done):%m-%d %H:%M}",
                    done is not None and done > rating.follow_up_due_at,
                    "zh",
                )
            )
    lines.append(words.times_note_text(rules.limits.hours.zone.key))
    return lines


def ticket_detail(
    ticket: Ticket,
    events: list[Event],
    roster: Roster | None = None,
    timing: Sequence[str] = (),
) -> str:
    """Everything about one ticket, for staff: the full text and phone, its time limits
    (`timing_lines`), and its history (internal notes included), staff shown by name."""

    def who(actor: str | None) -> str:
        return roster.name(actor) if roster else (actor or "")

    lines = words.ticket_head_lines(
        number=ticket.number,
        status=words.status_label(ticket.status),
        category=words.category_label(ticket.category),
        created=_when(ticket.created_at),
        updated=_when(ticket.updated_at),
        name=display_name(ticket.name),
        user_id=ticket.user_id,
        chat_id=ticket.chat_id,
        channel=ticket.channel,
        language=ticket.language,
        holder=who(ticket.assignee) if ticket.assignee else None,
    )
    lines += timing
    lines += words.ticket_facts_lines(
        ticket.phone,
        list(ticket.attachments),
        [f"{entry}（{score:.0f}）" for entry, score in ticket.candidates[:3]],
    )
    lines += [words.question_heading(), quoted(ticket.text), words.history_heading()]
    for event in events:
        text = event_text(event, who)
        lines.append(words.event_line(_when(event.at), event.kind, who(event.actor), text))
    return "\n".join(lines)


def event_text(event: Event, who: Callable[[str | None], str]) -> str:
    """What an event adds after its label: assignment names (stored "to|from"), not ids."""
    if event.kind == "created":
        return ""
    if event.kind == "rated":
        return words.rating_label(int(event.text)) if event.text.isdigit() else event.text
    if event.kind == "assigned":
        to, _, previous = event.text.partition("|")
        shown = previous and previous != to
        return who(to) + (words.previous_holder_text(who(previous)) if shown else "")
    if event.kind == "claimed" and event.text.startswith(TAKEN_FROM):
        return words.taken_from_text(who(event.text.removeprefix(TAKEN_FROM)))
    if event.kind in ("released", "notice_failed"):
        holder, _, error = event.text.partition("|")
        return who(holder) + (f"（{error}）" if error else "")
    return event.text


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
