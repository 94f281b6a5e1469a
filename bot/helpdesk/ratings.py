"""好差评: the resident rates a ticket closed after a staff reply on the five-level scale, once;
may add one line of comment; a bad rating (不满意, 非常不满意) opens a follow-up task due in
`bad_rating_follow_up` working days, listed under `rated-bad` until staff record the follow-up
(`/followup N`, `tickets followup N`), which goes in the history.

A ticket the resident withdrew, or one closed without a staff reply, is not rated.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.helpdesk.deadlines import Rules
from bot.messages import Choice, quoted
from bot.privacy import mask_pii
from bot.store.database import TicketNotFound
from bot.store.interface import TicketStore
from bot.store.model import RATINGS, Rating, Ticket
from bot.words import bad_rating_staff_text, rating_comment_staff_text, rating_label

RATE = "rate"  # button data: rate:N:5 … rate:N:1
RATE_SKIP = "rateskip"  # button data: rateskip:N (no comment)


class NotRateableError(LookupError):
    """Raised when a ticket cannot be rated (not closed, withdrawn, never answered by staff)."""


async def rateable(store: TicketStore, ticket: Ticket) -> bool:
    """Closed by staff after a staff reply, and not rated yet."""
    if ticket.status != "closed" or ticket.last_staff_reply is None:
        return False
    marks = (await store.milestones([ticket.number]))[ticket.number]
    if marks.closed_by is None or marks.closed_by.startswith("user:"):
        return False
    return not await store.ratings(numbers=(ticket.number,))


def rating_buttons(number: int, language: str) -> tuple[tuple[Choice, ...], ...]:
    """The five buttons, best first: three on the first row, two on the second."""
    choices = [Choice(rating_label(r, language), f"{RATE}:{number}:{r}") for r in RATINGS]
    return (tuple(choices[:3]), tuple(choices[3:]))


async def rate(
    store: TicketStore,
    settings: Settings,
    rules: Rules,
    number: int,
    channel: str,
    user_id: int,
    rating: int,
    now: datetime,
) -> Rating:
    """Record the resident's rating of their own ticket. Another resident's ticket is
    TicketNotFound (never revealed); AlreadyRatedError when it is rated; NotRateableError when
    it cannot be rated. A bad rating is posted to the staff group with its follow-up due time."""
    if rating not in RATINGS:
        raise NotRateableError(number)
    async with store.transaction():
        ticket = await store.ticket(number)
        if ticket.channel != channel or ticket.user_id != user_id:
            raise TicketNotFound(number)
        if not await store.ratings(numbers=(number,)) and not await rateable(store, ticket):
            raise NotRateableError(number)
        bad = rating <= 2
        due = rules.follow_up_due(now) if bad else None
        saved = await store.rate(number, user_id, rating, due, now)
        if due is not None and settings.staff_chat_id is not None:
            when = f"{rules.local(due):%Y-%m-%d %H:%M}"
            await store.enqueue(
                settings.staff_chat_id,
                bad_rating_staff_text(number, rating, when, None),
                kind="staff_notice",
                ticket_number=number,
                dedupe_key=f"rated:{number}",
                at=now,
            )
        return saved


async def comment(
    store: TicketStore, settings: Settings, number: int, text: str, now: datetime
) -> Rating:
    """The resident's one line after rating; a bad rating's comment goes to the staff group."""
    async with store.transaction():
        saved = await store.add_rating_comment(number, text.strip(), now)
        if saved.bad and settings.staff_chat_id is not None:
            await store.enqueue(
                settings.staff_chat_id,
                rating_comment_staff_text(number, saved.rating, quoted(mask_pii(text.strip()))),
                kind="staff_notice",
                ticket_number=number,
                dedupe_key=f"rating_comment:{number}",
                at=now,
            )
        return saved


async def follow_up(
    store: TicketStore, number: int, actor: str, text: str, now: datetime
) -> Rating:
    """Staff record the follow-up (回访) of a bad rating; the ticket leaves `rated-bad`."""
    async with store.transaction():
        return await store.record_follow_up(number, actor, text.strip(), now)
