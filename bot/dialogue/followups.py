"""A resident's own tickets: /mytickets, adding details to one (补充说明), photo reports.

Nothing a resident adds is dropped: a follow-up that arrives just after staff closed the ticket
is kept with it and staff are told. After a staff reply that asks something, the next message
is taken as the answer, unless it is a question the knowledge base answers and not a Telegram
reply to the staff message; a reply to a message about an open ticket is always a follow-up.
"""

from __future__ import annotations

import re

from bot import words
from bot.dialogue.filing import file_ticket, filed
from bot.dialogue.turn import Services, Turn, say
from bot.matching.decision import Decision
from bot.messages import Choice, Outcome, Reply, quoted
from bot.privacy import mask_pii
from bot.store.database import TicketNotFound
from bot.store.model import OPEN_STATUSES, InvalidTransitionError, TicketCategory

MY_TICKETS_SHOWN = 10


async def my_tickets(svc: Services, turn: Turn) -> Outcome:
    """The resident's tickets: every open one, then the latest closed ones (MY_TICKETS_SHOWN in
    all, more when more are open); number, status, latest staff reply; 补充说明 and 撤回 for
    each open one."""
    language = turn.language
    channel, user_id = turn.channel, turn.user_id
    still_open = await svc.store.tickets(statuses=OPEN_STATUSES, channel=channel, user_id=user_id)
    recent = await svc.store.tickets(channel=channel, user_id=user_id, limit=MY_TICKETS_SHOWN)
    closed = [t for t in recent if t.status == "closed"]
    tickets = sorted(
        [*still_open, *closed[: max(0, MY_TICKETS_SHOWN - len(still_open))]],
        key=lambda t: t.number,
        reverse=True,
    )
    if not tickets:
        return say(words.no_tickets_text(language), note="mytickets")
    lines = [words.intent_text(svc.intents.get("ticket_status"), language)]
    rows: list[tuple[Choice, ...]] = []
    for ticket in tickets:
        question = mask_pii(ticket.text.splitlines()[0])[:40]
        lines.append(
            f"#{ticket.number} · {words.status_label(ticket.status, language)} · {question}"
        )
        if ticket.last_staff_reply:
            label = words.latest_reply_label(language)
            lines.append(f"    {label}：{ticket.last_staff_reply}")
        if ticket.status != "closed":
            number = ticket.number
            rows.append(
                (
                    Choice(words.add_details_label(number, language), f"add:{number}"),
                    Choice(words.withdraw_label(number, language), f"withdraw:{number}"),
                )
            )
    return Outcome((Reply("\n".join(lines), tuple(rows)),), notes=("mytickets",))


async def withdraw(svc: Services, turn: Turn, number: int) -> Outcome:
    """撤回: the resident closes their own open ticket; staff are told, the history says who."""
    ticket = await svc.store.ticket(number)
    if ticket.channel != turn.channel or ticket.user_id != turn.user_id:
        raise TicketNotFound(number)  # never reveal someone else's ticket
    if ticket.status == "closed":
        return say(words.ticket_closed_text(number, turn.language), note="closed")
    await svc.store.close_ticket(number, turn.actor, words.WITHDRAWN_NOTE, turn.now)
    if svc.settings.staff_chat_id is not None:
        await svc.store.enqueue(
            svc.settings.staff_chat_id,
            words.withdrawn_staff_text(number),
            kind="staff_notice",
            ticket_number=number,
            dedupe_key=f"withdrawn:{number}",
            at=turn.now,
        )
    return say(words.withdrawn_text(number, turn.language), note="withdrawn")


async def start_followup(svc: Services, turn: Turn, number: int) -> Outcome:
    """补充说明: the next message goes to this ticket (only the resident's own, not closed)."""
    ticket = await svc.store.ticket(number)
    if ticket.channel != turn.channel or ticket.user_id != turn.user_id:
        raise TicketNotFound(number)  # never reveal someone else's ticket
    if ticket.status == "closed":
        return say(words.ticket_closed_text(number, turn.language), note="closed")
    turn.enter("followup", "text", ticket=number)
    return say(words.followup_prompt_text(number, turn.language), note="followup")


async def route(svc: Services, turn: Turn, text: str, decision: Decision) -> Outcome | None:
    """The follow-up this text is, if it is one (None: handle it as a new message).

    In the follow-up flow it is one, except after a staff question (`asked`) when it is itself
    a question the knowledge base answers and not a reply to a message about the ticket. Outside
    the flow, a Telegram reply to a message about an open ticket of this chat is one.
    """
    replied = await _replied_ticket(svc, turn)
    if turn.state.flow == "followup":
        covered = decision.outcome in ("answer", "clarify", "confirm") and asks_something(text)
        if turn.state.data.get("asked") and covered and replied is None:
            turn.enter(None)  # a new question: answered, and the flow ends
            return None
        if replied is not None:
            turn.enter("followup", "text", ticket=replied)
        return await followup(svc, turn, text)
    if replied is None or (await svc.store.ticket(replied)).status == "closed":
        return None
    turn.enter("followup", "text", ticket=replied)
    return await followup(svc, turn, text)


# What makes a message a question rather than an answer to one ("大坪街道" answers "您住在哪个
# 街道？" even though the knowledge base has an entry on 大坪).
_QUESTION = re.compile(
    r"[?？]|吗|呢|什么|啥|怎么|怎样|咋|如何|哪|多少|几|是否|能不能|可不可以|有没有|为什么"
    r"|\b(?:what|how|where|when|who|why|which|can|could|is|are|do|does)\b",
    re.IGNORECASE,
)


def asks_something(text: str) -> bool:
    """Whether the text is put as a question (a question mark or a question word)."""
    return _QUESTION.search(text) is not None


async def _replied_ticket(svc: Services, turn: Turn) -> int | None:
    """The ticket of the message of ours this one replies to (a staff reply), if any."""
    message_id = turn.incoming.reply_to_message_id
    if message_id is None:
        return None
    try:
        return await svc.store.ticket_for_resident_message(turn.chat_id, message_id)
    except TicketNotFound:
        return None


async def followup(
    svc: Services, turn: Turn, text: str, attachments: tuple[str, ...] = ()
) -> Outcome:
    """Append the message to the ticket in the follow-up flow, and tell staff. A ticket
    closed meanwhile keeps it too (staff are told it came after closing)."""
    number = int(turn.state.data["ticket"])
    turn.enter(None)
    try:
        ticket = await svc.store.add_followup(number, turn.actor, text, attachments, turn.now)
    except (InvalidTransitionError, TicketNotFound):
        return say(words.ticket_closed_text(number, turn.language), note="closed")
    closed = ticket.status == "closed"
    if svc.settings.staff_chat_id is not None:
        await svc.store.enqueue(
            svc.settings.staff_chat_id,
            words.followup_staff_text(number, quoted(mask_pii(text)), closed, bool(attachments)),
            photo=attachments[0] if attachments else None,
            kind="staff_notice",
            ticket_number=number,
            at=turn.now,
        )
    if closed:
        return say(
            words.followup_after_close_text(number, turn.language),
            ticket=number,
            note="followup_after_close",
        )
    return say(
        words.followup_saved_text(number, turn.language), ticket=number, note="followup_saved"
    )


async def photo(svc: Services, turn: Turn) -> Outcome:
    """A photo: a follow-up to the ticket in progress, else a new 'report' ticket."""
    caption = turn.incoming.text.strip()
    files = turn.incoming.attachments
    if turn.state.flow == "followup":
        return await followup(svc, turn, caption or words.PHOTO_ONLY, files)
    category: TicketCategory = "report"
    filing = await file_ticket(
        svc, turn, category, caption or words.PHOTO_WITHOUT_TEXT, attachments=files
    )
    return filed(filing, turn, lambda n, lang: words.report_text(n or 0, lang))
