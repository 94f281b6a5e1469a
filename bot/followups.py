"""A resident's own tickets: /mytickets, adding details to one (补充说明), photo reports."""

from __future__ import annotations

from bot import replies
from bot.filing import file_ticket, filed
from bot.messages import Choice, Outcome, Reply
from bot.privacy import mask_pii
from bot.tickets import InvalidTransitionError, TicketCategory, TicketNotFound
from bot.turn import Services, Turn, say

MY_TICKETS_SHOWN = 10


async def my_tickets(svc: Services, turn: Turn) -> Outcome:
    """The resident's tickets: number, status, latest staff reply; 补充说明 for open ones."""
    language = turn.language
    tickets = await svc.store.tickets(
        channel=turn.channel, user_id=turn.user_id, limit=MY_TICKETS_SHOWN
    )
    if not tickets:
        return say(replies.no_tickets_text(language), note="mytickets")
    lines = [replies.intent_text(svc.intents.get("ticket_status"), language)]
    rows: list[tuple[Choice, ...]] = []
    for ticket in tickets:
        question = mask_pii(ticket.text.splitlines()[0])[:40]
        lines.append(
            f"#{ticket.number} · {replies.status_label(ticket.status, language)} · {question}"
        )
        if ticket.last_staff_reply:
            label = replies.pick(language, "最新回复", "Latest reply")
            lines.append(f"    {label}：{ticket.last_staff_reply}")
        if ticket.status != "closed" and len(rows) < 3:
            rows.append(
                (
                    Choice(
                        replies.add_details_label(ticket.number, language), f"add:{ticket.number}"
                    ),
                )
            )
    return Outcome((Reply("\n".join(lines), tuple(rows)),), notes=("mytickets",))


async def start_followup(svc: Services, turn: Turn, number: int) -> Outcome:
    """补充说明: the next message goes to this ticket (only the resident's own, not closed)."""
    ticket = await svc.store.ticket(number)
    if ticket.channel != turn.channel or ticket.user_id != turn.user_id:
        raise TicketNotFound(number)  # never reveal someone else's ticket
    if ticket.status == "closed":
        return say(replies.ticket_closed_text(number, turn.language), note="closed")
    turn.enter("followup", "text", ticket=number)
    return say(replies.followup_prompt_text(number, turn.language), note="followup")


async def followup(
    svc: Services, turn: Turn, text: str, attachments: tuple[str, ...] = ()
) -> Outcome:
    """Append the message to the ticket in the follow-up flow, and tell staff."""
    number = int(turn.state.data["ticket"])
    turn.enter(None)
    try:
        await svc.store.add_followup(number, turn.actor, text, attachments, turn.now)
    except (InvalidTransitionError, TicketNotFound):
        return say(replies.ticket_closed_text(number, turn.language), note="closed")
    if svc.settings.staff_chat_id is not None:
        extra = "（附照片）" if attachments else ""
        await svc.store.enqueue(
            svc.settings.staff_chat_id,
            f"#{number} 居民补充{extra}：{mask_pii(text)}",
            photo=attachments[0] if attachments else None,
            kind="staff_notice",
            ticket_number=number,
            at=turn.now,
        )
    return say(
        replies.followup_saved_text(number, turn.language), ticket=number, note="followup_saved"
    )


async def photo(svc: Services, turn: Turn) -> Outcome:
    """A photo: a follow-up to the ticket in progress, else a new 'report' ticket."""
    caption = turn.incoming.text.strip()
    files = turn.incoming.attachments
    if turn.state.flow == "followup":
        return await followup(svc, turn, caption or "（照片）", files)
    category: TicketCategory = "report"
    filing = await file_ticket(
        svc, turn, category, caption or "（照片，无文字说明）", attachments=files
    )
    return filed(filing, turn, lambda n, lang: replies.report_text(n or 0, lang))
