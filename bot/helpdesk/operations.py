"""Staff operations shared by the engine (Telegram) and `python -m bot tickets`: each changes a
ticket and queues what the resident must hear, in one transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.helpdesk.ratings import rateable, rating_buttons
from bot.messages import Choice
from bot.privacy import mask_pii
from bot.store.interface import TicketStore
from bot.store.model import Ticket
from bot.words import (
    add_details_label,
    chat_language,
    closed_text,
    staff_reply_text,
    ticket_reopened_text,
)


class EmptyReplyError(ValueError):
    """Raised when a staff reply (or a note) has no text: nothing is sent or saved."""


async def claim(
    store: TicketStore, number: int, actor: str, now: datetime, *, take_over: bool = False
) -> Ticket:
    """Take the ticket; one someone else holds raises ClaimedByOtherError unless `take_over`
    (接手 / --force), which the history records with the previous holder."""
    async with store.transaction():
        return await store.claim(number, actor, now, take_over=take_over)


async def reply(
    store: TicketStore,
    number: int,
    actor: str,
    text: str,
    now: datetime,
    *,
    own_chat: int | None = None,
) -> Ticket:
    """Record the reply (status answered) and queue it for the resident. When it asks something
    (a question mark), the resident's next message is appended to the ticket, unless it is a
    question the knowledge base answers (bot/followups.py `route`). Blank text raises
    EmptyReplyError."""
    if not text.strip():
        raise EmptyReplyError(number)
    text = text.strip()
    async with store.transaction():
        ticket = await store.staff_reply(number, actor, text, now)
        language = await resident_language(store, ticket)
        question = mask_pii(ticket.text.splitlines()[0]) if ticket.text.strip() else ""
        message = staff_reply_text(number, question, text, language)
        await store.enqueue(
            ticket.chat_id,
            message,
            choices=((Choice(add_details_label(number, language), f"add:{number}"),),),
            kind="to_resident",
            ticket_number=number,
            channel=ticket.channel,
            at=now,
        )
        state = await store.load_state(ticket.channel, ticket.chat_id)
        if ("?" in text or "？" in text) and state.flow is None:
            await store.save_state(
                replace(
                    state, flow="followup", step="text", data={"ticket": number, "asked": True}
                ),
                now,
            )
        return ticket


async def resident_language(store: TicketStore, ticket: Ticket) -> str:
    """The language of the resident's chat now (`bot.words.chat_language`): they may have
    chosen another with /lang since filing; the ticket's language stands in for their client's."""
    state = await store.load_state(ticket.channel, ticket.chat_id)
    return chat_language(state.language, state.written_language, ticket.language)


async def close(store: TicketStore, number: int, actor: str, note: str, now: datetime) -> Ticket:
    """Close the ticket (the note stays internal) and tell the resident it is done; when staff
    had replied and it is not rated yet, the notice carries the five 好差评 buttons."""
    async with store.transaction():
        ticket = await store.close_ticket(number, actor, note, now)
        language = await resident_language(store, ticket)
        rate = await rateable(store, ticket)
        await store.enqueue(
            ticket.chat_id,
            closed_text(number, rate, language),
            choices=rating_buttons(number, language) if rate else (),
            kind="to_resident",
            ticket_number=number,
            channel=ticket.channel,
            at=now,
        )
        return ticket


async def reopen(store: TicketStore, number: int, actor: str, now: datetime) -> Ticket:
    """Open a closed ticket again and tell the resident it is being worked on again."""
    async with store.transaction():
        ticket = await store.reopen(number, actor, now)
        await store.enqueue(
            ticket.chat_id,
            ticket_reopened_text(number, await resident_language(store, ticket)),
            kind="to_resident",
            ticket_number=number,
            channel=ticket.channel,
            at=now,
        )
        return ticket


async def note(store: TicketStore, number: int, actor: str, text: str, now: datetime) -> Ticket:
    """Add an internal note to the history: staff read it, the resident never does."""
    if not text.strip():
        raise EmptyReplyError(number)
    async with store.transaction():
        return await store.add_note(number, actor, text.strip(), now)
