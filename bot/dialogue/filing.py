"""Filing a resident's ticket: idempotent, within the per-resident limits, posted to staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot import words
from bot.dialogue.turn import Services, Turn, say
from bot.messages import Choice, Outcome, display_name, quoted
from bot.privacy import mask_pii
from bot.store.model import NewTicket, Ticket, TicketCategory
from bot.words import category_label


@dataclass(frozen=True)
class Filing:
    """The ticket filed (or found again for the same message), or why none was filed."""

    ticket: Ticket | None
    limit_reason: str | None = None  # "open" | "hourly"
    limit: int = 0


async def file_ticket(
    svc: Services,
    turn: Turn,
    category: TicketCategory,
    text: str,
    *,
    candidates: tuple[tuple[str, float], ...] = (),
    attachments: tuple[str, ...] = (),
    phone: str | None = None,
    answer_id: int | None = None,
) -> Filing:
    """Create the ticket and its staff post in the caller's transaction."""
    store, settings = svc.store, svc.settings
    key = turn.idempotency_key()
    new = NewTicket(
        user_id=turn.user_id,
        chat_id=turn.chat_id,
        channel=turn.channel,
        category=category,
        text=text,
        name=turn.incoming.speaker.name,
        language=turn.language,
        candidates=candidates,
        attachments=attachments,
        phone=phone,
        idempotency_key=key,
        answer_id=answer_id,
    )
    if key is None or not await _already_filed(svc, key):
        stopped = await limit_reached(svc, turn)
        if stopped is not None:
            return stopped
    ticket, created = await store.create_ticket(new, turn.now)
    if created and settings.staff_chat_id is not None:
        await store.enqueue(
            settings.staff_chat_id,
            staff_post_text(ticket, due_line(svc, ticket)),
            choices=(
                (
                    Choice(words.claim_label(), f"claim:{ticket.number}"),
                    Choice(words.close_label(), f"close:{ticket.number}"),
                ),
            ),
            photo=ticket.attachments[0] if category == "report" and ticket.attachments else None,
            kind="staff_post",
            ticket_number=ticket.number,
            dedupe_key=f"staff_post:{ticket.number}",
            at=turn.now,
        )
    return Filing(ticket)


async def limit_reached(svc: Services, turn: Turn) -> Filing | None:
    """The per-resident limit a new ticket would break (too many open, too many this hour), as
    the Filing that says so; None when a ticket may be filed. Flows that ask several questions
    before filing check it first, so nobody types everything to be refused at the end."""
    store, settings = svc.store, svc.settings
    open_count = await store.count_tickets(turn.channel, turn.user_id, open_only=True)
    if open_count >= settings.max_open_tickets:
        return Filing(None, "open", settings.max_open_tickets)
    hourly = await store.count_tickets(
        turn.channel, turn.user_id, open_only=False, since=turn.now - timedelta(hours=1)
    )
    if hourly >= settings.max_tickets_per_hour:
        return Filing(None, "hourly", settings.max_tickets_per_hour)
    return None


def limit_reply(filing: Filing, turn: Turn) -> Outcome:
    """What a resident is told when a limit stops a ticket."""
    text = words.limit_text(filing.limit_reason or "open", filing.limit, turn.language)
    return say(text, note="limit")


async def _already_filed(svc: Services, key: str) -> bool:
    found = await svc.store.tickets(idempotency_key=key)
    return bool(found)


def due_line(svc: Services, ticket: Ticket) -> str:
    """The new ticket's accept-by and answer-by due times, for its staff post."""
    rules = svc.rules
    limits = rules.limits
    accept = rules.calendar.due_at(ticket.created_at, limits.accept_days[ticket.category])
    answer = rules.calendar.due_at(ticket.created_at, limits.answer_days[ticket.category])
    return words.post_due_text(
        f"{rules.local(accept):%m-%d %H:%M}", f"{rules.local(answer):%m-%d %H:%M}"
    )


def staff_post_text(ticket: Ticket, due: str = "") -> str:
    """`#N · category · masked question`, then who asked and the due times; reply to it to
    answer the resident."""
    return words.staff_post_text(
        ticket.number,
        category_label(ticket.category),
        quoted(mask_pii(ticket.text)),
        display_name(ticket.name),
        ticket.channel,
        ticket.language,
        mask_pii(ticket.phone) if ticket.phone else None,
        [entry for entry, _ in ticket.candidates[:3]],
        due,
    )


def filed(
    filing: Filing, turn: Turn, wording: words.TicketWording, *rows: tuple[Choice, ...]
) -> Outcome:
    """The reply for a ticket filed (with any rows of buttons), or for the limit that stopped it."""
    if filing.ticket is None:
        return limit_reply(filing, turn)
    number = filing.ticket.number
    return say(wording(number, turn.language), *rows, ticket=number, note="ticket")
