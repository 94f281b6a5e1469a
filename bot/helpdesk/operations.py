"""Staff operations shared by the engine (Telegram) and `python -m bot tickets`: each changes a
ticket and queues what the resident must hear, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.helpdesk.deadlines import Rules, Timing
from bot.helpdesk.ratings import rateable, rating_buttons
from bot.helpdesk.roster import Roster
from bot.messages import Choice, display_name, quoted
from bot.privacy import mask_pii
from bot.store.interface import TicketStore
from bot.store.model import Event, Rating, Ticket
from bot.words import (
    add_details_label,
    category_label,
    chat_language,
    closed_text,
    due_detail_text,
    due_short_text,
    rating_label,
    rating_line_text,
    staff_reply_text,
    status_label,
    ticket_reopened_text,
    times_note_text,
)

EVENT_LABELS = {
    "created": "创建",
    "claimed": "认领",
    "staff_reply": "工作人员回复",
    "resident_followup": "居民补充",
    "closed": "关闭",
    "reopened": "重新打开",
    "assigned": "指派",
    "released": "释放",
    "note": "内部备注",
    "notice_failed": "私信通知失败",
    "rated": "居民评价",
    "rating_comment": "评价意见",
    "followed_up": "差评回访",
}


TAKEN_FROM = "接手，原负责人 "  # the start of a take-over's event text (bot/store/sqlite.py)


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


def ticket_line(
    ticket: Ticket,
    now: datetime,
    roster: Roster | None = None,
    timing: tuple[Timing, Rules] | None = None,
) -> str:
    """One line for a list: number, status, category, age, holder, the limit to watch (its
    due time and state), masked question."""
    age = _age(now - ticket.created_at)
    question = mask_pii(ticket.text.splitlines()[0])[:50]
    holder = roster.name(ticket.assignee) if roster else ticket.assignee
    who = f" · {holder}" if ticket.assignee else ""
    label = category_label(ticket.category)
    due = ""
    if timing is not None:
        times, rules = timing
        watched = times.next_due()
        if watched is not None:
            when = f"{rules.local(watched.due):%m-%d %H:%M}"
            due = " · " + due_short_text(watched.kind, when, rules.state(watched.due, now))
    return (
        f"#{ticket.number} · {status_label(ticket.status)} · {label} · {age}{who}{due} · {question}"
    )


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
        lines.append(due_detail_text(deadline.kind, when, state, met, late, "zh"))
    if rating is not None:
        comment = mask_pii(rating.comment) if rating.comment else None
        lines.append(rating_line_text(rating.rating, comment))
        if rating.follow_up_due_at is not None:
            when = f"{rules.local(rating.follow_up_due_at):%Y-%m-%d %H:%M}"
            done = rating.followed_up_at
            lines.append(
                due_detail_text(
                    "follow_up",
                    when,
                    rules.state(rating.follow_up_due_at, now) if done is None else None,
                    None if done is None else f"{rules.local(done):%m-%d %H:%M}",
                    done is not None and done > rating.follow_up_due_at,
                    "zh",
                )
            )
    lines.append(times_note_text(rules.limits.hours.zone.key))
    return lines


def ticket_detail(
    ticket: Ticket,
    events: list[Event],
    roster: Roster | None = None,
    timing: Sequence[str] = (),
) -> str:
    """Everything about one ticket, for staff: the full text and phone, its time limits
    (`timing_lines`), and its history (internal notes included), staff shown by name."""
    name = display_name(ticket.name) or "（无名）"

    def who(actor: str | None) -> str:
        return roster.name(actor) if roster else (actor or "")

    lines = [
        f"工单 #{ticket.number} · {status_label(ticket.status)} · "
        f"{category_label(ticket.category)}",
        f"创建：{_when(ticket.created_at)}　更新：{_when(ticket.updated_at)}",
        f"居民：{name} · 用户 {ticket.user_id} · 对话 {ticket.chat_id} · "
        f"{ticket.channel} · 语言 {ticket.language}",
        f"负责人：{who(ticket.assignee) if ticket.assignee else '（未认领）'}",
        *timing,
    ]
    if ticket.phone:
        lines.append(f"电话：{ticket.phone}")
    if ticket.attachments:
        lines.append("附件：" + "、".join(ticket.attachments))
    if ticket.candidates:
        lines.append("相近条目：" + "、".join(f"{e}（{s:.0f}）" for e, s in ticket.candidates[:3]))
    lines += ["问题：", quoted(ticket.text), "记录："]
    for event in events:
        text = event_text(event, who)
        lines.append(
            f"  {_when(event.at)} {EVENT_LABELS.get(event.kind, event.kind)} · "
            f"{who(event.actor)}{'：' + text if text else ''}"
        )
    return "\n".join(lines)


def event_text(event: Event, who: Callable[[str | None], str]) -> str:
    """What an event adds after its label: assignment names (stored "to|from"), not ids."""
    if event.kind == "created":
        return ""
    if event.kind == "rated":
        return rating_label(int(event.text)) if event.text.isdigit() else event.text
    if event.kind == "assigned":
        to, _, previous = event.text.partition("|")
        return who(to) + (f"（原负责人 {who(previous)}）" if previous and previous != to else "")
    if event.kind == "claimed" and event.text.startswith(TAKEN_FROM):
        return TAKEN_FROM + who(event.text.removeprefix(TAKEN_FROM))
    if event.kind in ("released", "notice_failed"):
        holder, _, error = event.text.partition("|")
        return who(holder) + (f"（{error}）" if error else "")
    return event.text


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _age(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} 分钟"
    if minutes < 48 * 60:
        return f"{minutes // 60} 小时"
    return f"{minutes // (24 * 60)} 天"
