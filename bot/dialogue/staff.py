"""Staff commands and buttons inside the dialogue (Telegram, or `chat --as-staff`): queues,
one ticket, claim / take / assign / release, replies (plain, or a standard reply shown first
with a confirm button), internal notes, close / reopen, snippets, stats and a one-time web
console login link. Replies are in the staff member's language (Chinese unless their client or
/lang says English)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.dialogue.turn import ExpiredChoiceError, Services, Turn, is_number, say
from bot.helpdesk import assignment, console_access, queues, ratings, standard, views
from bot.helpdesk import operations as staff
from bot.helpdesk.deadlines import timings
from bot.helpdesk.roster import load_roster, staff_actor
from bot.helpdesk.stats import PERIODS, build_report, report_text, span_of
from bot.kb.model import UnknownEntryError
from bot.messages import Choice, Outcome
from bot.store.database import TicketNotFound
from bot.store.model import (
    ClaimedByOtherError,
    InvalidTransitionError,
    NotRatedBadError,
    Ticket,
)
from bot.store.staffwork import SnippetNotFound
from bot.words import (
    assigned_text,
    console_link_text,
    console_private_only_text,
    empty_reply_text,
    follow_up_saved_text,
    held_by_text,
    no_matching_tickets_text,
    not_rated_bad_text,
    not_staff_member_text,
    note_saved_text,
    released_text,
    send_label,
    snippets_text,
    staff_done_text,
    staff_only_text,
    staff_usage_text,
    standard_reply_preview_text,
    take_over_label,
    ticket_not_found_text,
    transition_error_text,
    unknown_entry_text,
    unknown_queue_text,
    unknown_snippet_text,
    unknown_staff_text,
)

STAFF_COMMANDS = (
    "tickets",
    "ticket",
    "claim",
    "take",
    "assign",
    "release",
    "reply",
    "note",
    "close",
    "reopen",
    "snippets",
    "stats",
    "followup",
    "console",
)
STAFF_BUTTONS = ("claim", "take", "close", "send")
LISTED = 20
NEEDS_TEXT = ("reply", "note", "assign", "send", "followup")


def refused() -> Outcome:
    """The same answer whatever the ticket: never reveals whether it exists."""
    return say(staff_only_text(), note="refused")


async def command(svc: Services, turn: Turn, name: str, args: str) -> Outcome:
    """Run one staff command; anyone not in STAFF_USER_IDS gets the neutral refusal."""
    if not svc.settings.is_staff(turn.user_id):
        return refused()
    speaker = turn.incoming.speaker
    await svc.store.remember_staff(speaker.user_id, speaker.name, speaker.username, turn.now)
    language = turn.language
    if name == "tickets":
        return await _list(svc, turn, args)
    if name == "stats":
        return await _stats(svc, turn, args)
    if name == "snippets":
        lines = [f"${s.name} — {s.text[:60]}" for s in await svc.store.snippets()]
        return say(snippets_text(lines, language), note="staff_snippets")
    if name == "console":
        return await _console_link(svc, turn)
    head, _, rest = args.strip().partition(" ")
    if not is_number(head.removeprefix("#")) or (name in NEEDS_TEXT and not rest.strip()):
        return say(staff_usage_text(name, language), note="staff_usage")
    number = int(head.removeprefix("#"))
    try:
        return await _on_ticket(svc, turn, name, number, rest.strip())
    except TicketNotFound:
        return say(ticket_not_found_text(number, language), note="staff_not_found")
    except ClaimedByOtherError as exc:
        holder = (await load_roster(svc.store, svc.settings)).name(exc.holder)
        return say(
            held_by_text(number, holder, language),
            (Choice(take_over_label(language), f"take:{number}"),),
            ticket=number,
            note="staff_held",
        )
    except InvalidTransitionError as exc:
        text = transition_error_text(number, exc.reason, exc.status, language)
        return say(text, ticket=number, note="staff_invalid")
    except staff.EmptyReplyError:
        return say(empty_reply_text(language), note="staff_usage")
    except assignment.UnknownStaffError as exc:
        return say(unknown_staff_text(exc.wanted, language), note="staff_unknown_staff")
    except assignment.NotStaffError as exc:
        return say(not_staff_member_text(str(exc.user_id), language), note="staff_not_staff")
    except UnknownEntryError as exc:
        return say(unknown_entry_text(str(exc.args[0]), language), note="staff_unknown_entry")
    except SnippetNotFound as exc:
        return say(unknown_snippet_text(str(exc), language), note="staff_unknown_snippet")
    except NotRatedBadError:
        return say(not_rated_bad_text(number, language), note="staff_not_rated_bad")


async def _console_link(svc: Services, turn: Turn) -> Outcome:
    """A one-time web console login link, only in a private chat (a group would share it)."""
    if turn.chat_id != turn.user_id:
        return say(console_private_only_text(turn.language), note="staff_console_private_only")
    url = await console_access.issue_link(svc.store, svc.settings, turn.user_id, turn.now)
    minutes = int(console_access.LINK_LIFETIME.total_seconds() // 60)
    return say(console_link_text(url, minutes, turn.language), note="staff_console_link")


async def _list(svc: Services, turn: Turn, args: str) -> Outcome:
    """A queue: the work queue, mine, unassigned, all, or one status (name or label)."""
    language = turn.language
    wanted = args.split()[0] if args.split() else ""
    actor = staff_actor(turn.user_id)
    try:
        query = queues.queue_query(wanted, actor)
    except queues.UnknownQueueError:
        return say(unknown_queue_text(wanted, language), note="staff_usage")
    query = query if wanted else replace(query, sort="oldest")
    found = await queues.find(svc.store, svc.rules, wanted, replace(query, limit=LISTED), turn.now)
    if not found:
        return say(no_matching_tickets_text(language), note="staff_list")
    roster = await load_roster(svc.store, svc.settings)
    lines = [views.ticket_line(t, turn.now, roster, (tm, svc.rules)) for t, tm in found]
    return say("\n".join(lines), note="staff_list")


async def _stats(svc: Services, turn: Turn, args: str) -> Outcome:
    """The short report of this week (or `day`, `month`)."""
    wanted = args.split()[0].lower() if args.split() else "week"
    if wanted not in PERIODS:
        return say(staff_usage_text("stats", turn.language), note="staff_usage")
    span = span_of(svc.rules, turn.now, wanted)
    roster = await load_roster(svc.store, svc.settings)
    report = await build_report(svc.store, svc.rules, roster, span, turn.now)
    return say(report_text(report, short=True), note="staff_stats")


async def _on_ticket(svc: Services, turn: Turn, name: str, number: int, rest: str) -> Outcome:
    store, now, language = svc.store, turn.now, turn.language
    actor = staff_actor(turn.user_id)
    if name == "ticket":
        roster = await load_roster(store, svc.settings)
        ticket = await store.ticket(number)
        lines = await staff_timing_lines(svc, ticket, now)
        detail = views.ticket_detail(ticket, await store.events(number), roster, lines)
        return say(detail, ticket=number, note="staff_show")
    if name == "followup":
        await ratings.follow_up(store, number, actor, rest, now)
        return say(follow_up_saved_text(number, language), ticket=number, note="staff_followed_up")
    if name == "claim":
        await staff.claim(store, number, actor, now)
        who = (await load_roster(store, svc.settings)).name(actor)
        return say(
            staff_done_text("claim", number, who, language), ticket=number, note="staff_claimed"
        )
    if name == "take":
        before = await store.ticket(number)
        await staff.claim(store, number, actor, now, take_over=True)
        roster = await load_roster(store, svc.settings)
        previous = before.assignee if before.assignee not in (None, actor) else None
        text = staff_done_text(
            "take_from" if previous else "take",
            number,
            roster.name(actor),
            language,
            previous=roster.name(previous),
        )
        return say(text, ticket=number, note="staff_taken")
    if name == "assign":
        done = await assignment.assign(store, svc.settings, number, actor, rest, now)
        text = assigned_text(number, done.assignee, done.notified, language)
        return say(text, ticket=number, note="staff_assigned")
    if name == "release":
        await assignment.release(store, number, actor, now)
        return say(released_text(number, language), ticket=number, note="staff_released")
    if name == "reply":
        if standard.is_standard_ref(rest):
            return await _preview(svc, turn, number, rest)
        return await _reply(svc, turn, number, rest)
    if name == "send":  # the confirm button under a preview: the standard reply as shown
        theirs = await staff.resident_language(store, await store.ticket(number))
        text = await standard.standard_text(store, svc.kb, rest, theirs)
        return await _reply(svc, turn, number, text)
    if name == "note":
        await staff.note(store, number, actor, rest, now)
        return say(note_saved_text(number, language), ticket=number, note="staff_noted")
    if name == "close":
        await staff.close(store, number, actor, rest, now)
        return say(
            staff_done_text("close", number, language=language), ticket=number, note="staff_closed"
        )
    await staff.reopen(store, number, actor, now)
    return say(
        staff_done_text("reopen", number, language=language), ticket=number, note="staff_reopened"
    )


async def staff_timing_lines(svc: Services, ticket: Ticket, now: datetime) -> list[str]:
    """The ticket's limits and rating, as /ticket shows them."""
    times = await timings(svc.store, svc.rules, [ticket])
    found = await svc.store.ratings(numbers=(ticket.number,))
    return views.timing_lines(times[ticket.number], svc.rules, now, found[0] if found else None)


async def _reply(svc: Services, turn: Turn, number: int, text: str) -> Outcome:
    await staff.reply(svc.store, number, staff_actor(turn.user_id), text, turn.now)
    # The resident may be this very chat (trying staff commands locally): keep what
    # staff.reply saved for it instead of overwriting it at the end of the turn.
    turn.state = await svc.store.load_state(turn.channel, turn.chat_id)
    done = staff_done_text("reply", number, language=turn.language)
    return say(done, ticket=number, note="staff_replied")


async def _preview(svc: Services, turn: Turn, number: int, ref: str) -> Outcome:
    """Show a standard reply as the resident would get it, with a button that sends it."""
    ticket = await svc.store.ticket(number)
    theirs = await staff.resident_language(svc.store, ticket)
    text = await standard.standard_text(svc.store, svc.kb, ref, theirs)
    language = turn.language
    return say(
        standard_reply_preview_text(number, text, theirs, language),
        (Choice(send_label(language), f"send:{number}:{ref.strip()}"),),
        ticket=number,
        note="staff_preview",
    )


async def button(svc: Services, turn: Turn, name: str, arg: str) -> Outcome:
    """认领 / 关闭 under a staff post, 接手 under a refused claim, 确认发送 under a preview."""
    if not svc.settings.is_staff(turn.user_id):
        return refused()
    if name != "send":
        return await command(svc, turn, name, str(_number(arg)))
    head, _, ref = arg.partition(":")
    if not standard.is_standard_ref(ref):
        raise ExpiredChoiceError(arg)
    return await command(svc, turn, "send", f"{_number(head)} {ref}")


def _number(text: str) -> int:
    if not is_number(text):
        raise ExpiredChoiceError(text)
    return int(text)


async def reply_to_post(svc: Services, turn: Turn, number: int) -> Outcome:
    """A staff member's reply to a ticket's staff post is the answer to the resident."""
    return await command(svc, turn, "reply", f"{number} {turn.incoming.text.strip()}")
