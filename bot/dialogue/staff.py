"""Staff commands and buttons inside the dialogue (Telegram, or `chat --as-staff`)."""

from __future__ import annotations

from bot.dialogue.turn import Services, Turn, is_number, say
from bot.helpdesk import operations as staff
from bot.messages import Choice, Outcome
from bot.store.database import TicketNotFound
from bot.store.model import STATUSES, ClaimedByOtherError, InvalidTransitionError
from bot.words import staff_only_text

STAFF_COMMANDS = ("tickets", "ticket", "claim", "take", "reply", "close", "reopen", "stats")
STAFF_BUTTONS = ("claim", "take", "close")
LISTED = 20
USAGE = {
    "ticket": "/ticket N",
    "claim": "/claim N",
    "take": "/take N",
    "reply": "/reply N 回复内容",
    "close": "/close N（可加备注）",
    "reopen": "/reopen N",
}


def refused() -> Outcome:
    """The same answer whatever the ticket: never reveals whether it exists."""
    return say(staff_only_text(), note="refused")


async def command(svc: Services, turn: Turn, name: str, args: str) -> Outcome:
    """Run one staff command; anyone not in STAFF_USER_IDS gets the neutral refusal."""
    if not svc.settings.is_staff(turn.user_id):
        return refused()
    store, actor = svc.store, f"staff:{turn.user_id}"
    if name == "tickets":
        wanted = args.split()[0] if args.split() else ""
        statuses = (
            STATUSES
            if wanted == "all"
            else (wanted,)
            if wanted in STATUSES
            else ("open", "claimed")  # the work queue: not yet answered by staff
        )
        tickets = await store.tickets(statuses=statuses, limit=LISTED, oldest_first=True)
        if not tickets:
            return say("没有符合条件的工单。", note="staff_list")
        lines = [staff.ticket_line(t, turn.now) for t in tickets]
        return say("\n".join(lines), note="staff_list")
    if name == "stats":
        return say(staff.stats_text(await store.stats()), note="staff_stats")
    head, _, rest = args.strip().partition(" ")
    if not is_number(head.removeprefix("#")) or (name == "reply" and not rest.strip()):
        return say(f"用法：{USAGE[name]}", note="staff_usage")
    number = int(head.removeprefix("#"))
    try:
        return await _on_ticket(svc, turn, name, number, rest.strip(), actor)
    except TicketNotFound:
        return say(f"没有工单 #{number}。", note="staff_not_found")
    except ClaimedByOtherError as exc:
        return say(
            f"#{number} 已由 {exc.holder} 认领，没有改动。要接手请点“接手”或发送 /take {number}。",
            (Choice("接手", f"take:{number}"),),
            ticket=number,
            note="staff_held",
        )
    except InvalidTransitionError as exc:
        return say(f"工单 #{number} 不能这样操作：{exc}", note="staff_invalid")


async def _on_ticket(
    svc: Services, turn: Turn, name: str, number: int, rest: str, actor: str
) -> Outcome:
    store, now = svc.store, turn.now
    if name == "ticket":
        ticket = await store.ticket(number)
        return say(
            staff.ticket_detail(ticket, await store.events(number)),
            ticket=number,
            note="staff_show",
        )
    if name == "claim":
        await staff.claim(store, number, actor, now)
        return say(f"#{number} 已由 {actor} 认领。", ticket=number, note="staff_claimed")
    if name == "take":
        before = await store.ticket(number)
        await staff.claim(store, number, actor, now, take_over=True)
        previous = f"（原负责人 {before.assignee}）" if before.assignee not in (None, actor) else ""
        return say(f"#{number} 已由 {actor} 接手{previous}。", ticket=number, note="staff_taken")
    if name == "reply":
        await staff.reply(store, number, actor, rest, now)
        # The resident may be this very chat (trying staff commands locally): keep what
        # staff.reply saved for it instead of overwriting it at the end of the turn.
        turn.state = await store.load_state(turn.channel, turn.chat_id)
        return say(f"已回复 #{number}，回复已排队发送给居民。", ticket=number, note="staff_replied")
    if name == "close":
        await staff.close(store, number, actor, rest, now)
        return say(f"#{number} 已关闭。", ticket=number, note="staff_closed")
    await staff.reopen(store, number, actor, now)
    return say(f"#{number} 已重新打开。", ticket=number, note="staff_reopened")


async def button(svc: Services, turn: Turn, name: str, arg: str) -> Outcome:
    """认领 / 关闭 under a staff post, and 接手 under a refused claim."""
    if not svc.settings.is_staff(turn.user_id):
        return refused()
    return await command(svc, turn, name, arg)


async def reply_to_post(svc: Services, turn: Turn, number: int) -> Outcome:
    """A staff member's reply to a ticket's staff post is the answer to the resident."""
    return await command(svc, turn, "reply", f"{number} {turn.incoming.text.strip()}")
