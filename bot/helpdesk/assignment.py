"""Assignment: giving a ticket to a colleague (`/assign`, `tickets assign`), taking it back to
the queue (`/release`, `tickets release`), and telling the assignee in a private chat.

The private notice is an outbox message to the assignee's user id (in Telegram a private chat's
id is the user's id). Telegram refuses it when they never started the bot: the transport then
calls `notice_refused`, which records that in the ticket's history and tells the staff group,
once; the notice is not retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from bot.helpdesk.roster import Roster, load_roster, staff_actor
from bot.privacy import mask_pii
from bot.store.interface import TicketStore
from bot.store.model import Ticket
from bot.words import assignee_notice_text, notice_refused_text

NOTICE_PREVIEW = 80  # characters of the (masked) question in the private notice


class UnknownStaffError(LookupError):
    """Raised when `/assign` names someone the roster cannot find."""

    def __init__(self, wanted: str) -> None:
        super().__init__(f"no staff member {wanted!r}")
        self.wanted = wanted


class NotStaffError(ValueError):
    """Raised when a ticket would be assigned to someone not in STAFF_USER_IDS."""

    def __init__(self, user_id: int) -> None:
        super().__init__(f"user {user_id} is not in STAFF_USER_IDS")
        self.user_id = user_id


@dataclass(frozen=True)
class Assignment:
    ticket: Ticket
    assignee: str  # the display name
    notified: bool  # a private notice was queued (not when assigning to oneself)


def resolve(roster: Roster, wanted: str) -> int:
    """The staff member's user id `wanted` names; raises UnknownStaffError or NotStaffError."""
    user_id = roster.find(wanted)
    if user_id is None:
        raise UnknownStaffError(wanted)
    if user_id not in roster.staff_ids:
        raise NotStaffError(user_id)
    return user_id


async def assign(
    store: TicketStore, settings: Settings, number: int, actor: str, wanted: str, now: datetime
) -> Assignment:
    """Assign (or reassign) the ticket to the staff member `wanted` names and queue their
    private notice, in one transaction. Assigning it to its holder changes nothing and tells
    nobody again."""
    roster = await load_roster(store, settings)
    user_id = resolve(roster, wanted)
    assignee = staff_actor(user_id)
    async with store.transaction():
        held = await store.ticket(number)
        if held.assignee == assignee and held.status != "closed":  # already theirs: nothing to do
            return Assignment(held, roster.name(assignee), notified=False)
        ticket = await store.assign(number, actor, assignee, now)
        notified = assignee != actor
        if notified:
            question = mask_pii(ticket.text).replace("\n", " ")[:NOTICE_PREVIEW]
            await store.enqueue(
                user_id,
                assignee_notice_text(number, roster.name(actor), question),
                kind="assignee_notice",
                ticket_number=number,
                at=now,
            )
    return Assignment(ticket, roster.name(assignee), notified)


async def release(store: TicketStore, number: int, actor: str, now: datetime) -> Ticket:
    """Take the ticket off its holder: back to the unassigned queue (history keeps who)."""
    async with store.transaction():
        return await store.release(number, actor, now)


async def notice_refused(
    store: TicketStore, settings: Settings, user_id: int, number: int, error: str, now: datetime
) -> None:
    """The assignee's private notice was refused by Telegram: record it on the ticket and tell
    the staff group (when there is one)."""
    roster = await load_roster(store, settings)
    name = roster.name(staff_actor(user_id))
    async with store.transaction():
        await store.record_event(
            number, "notice_failed", "bot", f"{staff_actor(user_id)}|{error}", now
        )
        if settings.staff_chat_id is not None:
            await store.enqueue(
                settings.staff_chat_id,
                notice_refused_text(number, name),
                kind="staff_notice",
                dedupe_key=f"notice-refused:{number}:{user_id}:{now.isoformat()}",
                at=now,
            )
