"""The SLA reminder: once per period, tell the staff group which tickets have waited too long."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import Settings
from bot.privacy import mask_pii
from bot.store.interface import TicketStore
from bot.store.model import Ticket

WAITING = ("open", "claimed")  # no staff reply yet
LISTED = 20  # tickets named in one reminder; the rest are counted
PREVIEW = 40  # characters of each question shown


def reminder_period(settings: Settings) -> timedelta:
    return timedelta(hours=settings.sla_hours)


async def queue_sla_reminder(store: TicketStore, settings: Settings, now: datetime) -> int | None:
    """Queue one reminder for this period when tickets wait longer than SLA_HOURS; return its id.

    The dedupe key names the period, so a restart (or a second job run) within the same period
    never reminds twice.
    """
    if settings.staff_chat_id is None:
        return None
    period = reminder_period(settings)
    overdue = await store.tickets(statuses=WAITING, created_before=now - period)
    if not overdue:
        return None
    slot = int(now.timestamp() // period.total_seconds())
    return await store.enqueue(
        settings.staff_chat_id,
        reminder_text(overdue, now, settings.sla_hours),
        kind="staff_notice",
        dedupe_key=f"sla:{slot}",
    )


def reminder_text(tickets: list[Ticket], now: datetime, sla_hours: float) -> str:
    """The reminder: oldest first, each with its wait and the start of its (masked) question."""
    oldest_first = sorted(tickets, key=lambda t: t.created_at)
    lines = [f"⏰ 以下 {len(tickets)} 个工单超过 {sla_hours:g} 小时还没有回复："]
    for ticket in oldest_first[:LISTED]:
        hours = (now - ticket.created_at).total_seconds() / 3600
        question = mask_pii(ticket.text).replace("\n", " ")
        if len(question) > PREVIEW:
            question = question[:PREVIEW] + "…"
        lines.append(f"#{ticket.number} · 已等 {hours:.0f} 小时 · {question}")
    if len(tickets) > LISTED:
        lines.append(f"……另有 {len(tickets) - LISTED} 个，发送 /tickets 查看全部。")
    lines.append("回复对应的工单消息，或发送 /reply 编号 内容 来答复。")
    return "\n".join(lines)
