"""`python -m bot tickets …`: staff ticket operations on the embedded database.

list (queues, due times and search) / show / claim [--force] / assign / release / reply (text, a
knowledge-base answer or a snippet) / note / close / reopen / followup (a bad rating's) /
snippet add|list|remove / stats (the team lead's report, --json) / calendar (the working-day
calendar's years and warnings) / export / purge / forget / erasures. Acts as `--as USER_ID`
(recorded as staff:USER_ID) or as "cli".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.helpdesk import assignment, queues, ratings, standard, views
from bot.helpdesk import operations as staff
from bot.helpdesk.deadlines import Rules, load_rules, timings
from bot.helpdesk.export import export
from bot.helpdesk.roster import load_roster
from bot.helpdesk.stats import PERIODS, as_json, build_report, report_text, span_of
from bot.kb.loader import load_knowledge
from bot.kb.model import UnknownEntryError
from bot.store.database import (
    DatabaseStartupError,
    StoreUnavailableError,
    TicketNotFound,
    prepare_database_path,
    utcnow,
)
from bot.store.model import (
    CATEGORIES,
    SORTS,
    STATUSES,
    ClaimedByOtherError,
    InvalidTransitionError,
    NotRatedBadError,
    TicketQuery,
)
from bot.store.sqlite import SQLiteTicketStore
from bot.store.staffwork import SnippetNotFound
from bot.yamlio import DataError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="actor_id",
        type=int,
        default=None,
        metavar="USER_ID",
        help='act as this staff user id (recorded in the history; default "cli")',
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list tickets: queues, filters and search")
    listing.add_argument(
        "queue",
        nargs="?",
        default="",
        help="mine|unassigned|due|overdue|rated-bad|all or a status (Chinese names too)",
    )
    for flag, queue, help_text in (
        ("--due", "due", "due within the due-soon margin (4 working hours)"),
        ("--overdue", "overdue", "past a time limit"),
        ("--rated-bad", "rated-bad", "a bad rating whose follow-up is not recorded"),
    ):
        listing.add_argument(
            flag, dest="queue_flag", action="store_const", const=queue, help=help_text
        )
    listing.add_argument("--status", action="append", type=_status, help="repeatable")
    listing.add_argument("--category", choices=CATEGORIES)
    listing.add_argument(
        "--older-than", type=float, metavar="HOURS", help="created at least HOURS ago"
    )
    listing.add_argument("--search", metavar="TEXT", help="in the question, follow-ups, replies")
    listing.add_argument("--resident", type=int, metavar="USER_ID", help="one resident's tickets")
    listing.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="created on or after")
    listing.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="created on or before")
    listing.add_argument("--sort", choices=SORTS, default="newest")
    listing.add_argument("--limit", type=int, default=100)
    for name, help_text in (
        ("show", "one ticket with its history (full phone number)"),
        ("reopen", "reopen a closed ticket"),
        ("release", "take a ticket off its holder, back to the unassigned queue"),
    ):
        sub.add_parser(name, help=help_text).add_argument("number", type=int)
    claim = sub.add_parser("claim", help="take a ticket (refused when someone else holds it)")
    claim.add_argument("number", type=int)
    claim.add_argument(
        "--force", action="store_true", help="take it over from whoever holds it (recorded)"
    )
    assign = sub.add_parser("assign", help="assign (or reassign) a ticket to a staff member")
    assign.add_argument("number", type=int)
    assign.add_argument("--to", required=True, metavar="ID", help="user id, @username or name")
    reply = sub.add_parser("reply", help="answer the resident (queued for delivery)")
    reply.add_argument("number", type=int)
    reply.add_argument("text", nargs="*")
    standard_reply = reply.add_mutually_exclusive_group()
    standard_reply.add_argument("--entry", metavar="ID", help="send this knowledge-base answer")
    standard_reply.add_argument("--snippet", metavar="NAME", help="send this saved snippet")
    note = sub.add_parser("note", help="add an internal note (never sent to the resident)")
    note.add_argument("number", type=int)
    note.add_argument("text", nargs="+")
    close = sub.add_parser("close", help="close a ticket (the note stays internal)")
    close.add_argument("number", type=int)
    close.add_argument("--note", default="")
    follow = sub.add_parser("followup", help="record the follow-up (回访) of a bad rating")
    follow.add_argument("number", type=int)
    follow.add_argument("text", nargs="+")
    snippet = sub.add_parser("snippet", help="saved standard replies (答复口径)")
    snippets = snippet.add_subparsers(dest="snippet_action", metavar="ACTION", required=True)
    add = snippets.add_parser("add", help="save (or replace) a snippet")
    add.add_argument("name")
    add.add_argument("text", nargs="+")
    snippets.add_parser("list", help="every snippet")
    snippets.add_parser("remove", help="delete a snippet").add_argument("name")
    stats = sub.add_parser(
        "stats", help="the team lead's report: limits met, times, 好差评, staff, unanswered"
    )
    stats.add_argument("--period", choices=PERIODS, default="week", help="default: this week")
    stats.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="from this day")
    stats.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="to this day (included)")
    stats.add_argument("--json", action="store_true", help="one JSON object, for machines")
    sub.add_parser("calendar", help="where each year's working days come from; years nobody knows")
    export_parser = sub.add_parser("export", help="all tickets as CSV (phone numbers masked)")
    export_parser.add_argument(
        "--csv", type=Path, default=None, metavar="FILE", help="UTF-8 with BOM; default: stdout"
    )
    forget = sub.add_parser(
        "forget", help="delete everything stored about one resident (on their request)"
    )
    forget.add_argument("--user", type=int, required=True, metavar="ID", help="Telegram user id")
    forget.add_argument("--dry-run", action="store_true", help="only print what would go")
    sub.add_parser("erasures", help="the deletions done on request: when, who, user, counts")
    purge = sub.add_parser("purge", help="delete closed tickets (and their history) past retention")
    purge.add_argument(
        "--older-than", type=_days, default=None, metavar="DAYS", help="default RETENTION_DAYS"
    )
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")


def _days(text: str) -> int:
    """A whole number of days, 0 or more (a negative age would purge tickets closed today)."""
    if not text.isascii() or not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days (0 or more)")
    return int(text)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _status(text: str) -> str:
    """A status by name or by the label lists print (待处理, 已办结, in progress …)."""
    found = queues.queue_name(text)
    if found not in STATUSES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a status ({', '.join(STATUSES)}, or their labels)"
        )
    return found


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        path = prepare_database_path(settings)
        return asyncio.run(_run(args, settings, SQLiteTicketStore(path), sys.stdout))
    except TicketNotFound as exc:
        print(f"Not found: {exc}", file=sys.stderr)
    except ClaimedByOtherError as exc:
        print(
            f"Cannot do that: ticket #{exc.number} is held by {exc.holder};"
            f" `tickets claim {exc.number} --force` takes it over",
            file=sys.stderr,
        )
    except InvalidTransitionError as exc:
        print(f"Cannot do that: {exc}", file=sys.stderr)
    except staff.EmptyReplyError:
        print("Cannot do that: the text is empty; nothing was sent or saved", file=sys.stderr)
    except (assignment.UnknownStaffError, assignment.NotStaffError) as exc:
        print(f"Cannot assign: {exc}", file=sys.stderr)
    except queues.UnknownQueueError as exc:
        print(
            f"Unknown queue {exc}; use mine, unassigned, due, overdue, rated-bad, all or a status",
            file=sys.stderr,
        )
    except NotRatedBadError as exc:
        print(f"Cannot do that: {exc}; there is no follow-up to record", file=sys.stderr)
    except standard.BadSnippetNameError as exc:
        print(
            f"Cannot use {exc} as a snippet name: letters, digits, Chinese, - and _, up to 16",
            file=sys.stderr,
        )
    except UnknownEntryError as exc:
        print(f"Not found: the knowledge base has no entry {exc}", file=sys.stderr)
    except SnippetNotFound as exc:
        print(
            f"Not found: no snippet called {exc}; `tickets snippet list` shows them",
            file=sys.stderr,
        )
    except DataError as exc:
        print(f"A data file has problems:\n{exc}", file=sys.stderr)
    except (DatabaseStartupError, StoreUnavailableError) as exc:
        print(str(exc), file=sys.stderr)
    return 1


async def _run(
    args: argparse.Namespace, settings: Settings, store: SQLiteTicketStore, out: TextIO
) -> int:
    actor = f"staff:{args.actor_id}" if args.actor_id is not None else "cli"
    await store.open()
    try:
        action: Callable[[], Awaitable[str]] = {
            "list": lambda: _list(store, settings, args, actor),
            "show": lambda: _show(store, settings, args.number),
            "claim": lambda: _done(
                staff.claim(store, args.number, actor, utcnow(), take_over=args.force),
                f"claimed by {actor}",
            ),
            "assign": lambda: _assign(store, settings, args, actor),
            "release": lambda: _done(
                assignment.release(store, args.number, actor, utcnow()), "released"
            ),
            "reply": lambda: _reply(store, settings, args, actor),
            "note": lambda: _done(
                staff.note(store, args.number, actor, " ".join(args.text), utcnow()),
                "has a new internal note",
            ),
            "close": lambda: _done(
                staff.close(store, args.number, actor, args.note, utcnow()), "closed"
            ),
            "reopen": lambda: _done(staff.reopen(store, args.number, actor, utcnow()), "reopened"),
            "followup": lambda: _followup(store, args, actor),
            "snippet": lambda: _snippet(store, args, actor),
            "stats": lambda: _stats(store, settings, args),
            "calendar": lambda: _calendar(settings),
            "export": lambda: _export(store, settings, args.csv, out),
            "forget": lambda: _forget(store, args.user, actor, dry_run=args.dry_run),
            "erasures": lambda: _erasures(store),
            "purge": lambda: _purge(
                store,
                settings.retention_days if args.older_than is None else args.older_than,
                dry_run=args.dry_run,
            ),
        }[args.action]
        text = await action()
    finally:
        await store.close()
    if text:
        out.write(text + "\n")
    return 0


async def _list(
    store: SQLiteTicketStore, settings: Settings, args: argparse.Namespace, actor: str
) -> str:
    now = utcnow()
    until = None
    if args.until is not None:  # the whole day named
        until = datetime.combine(args.until + timedelta(days=1), datetime.min.time(), UTC)
    if args.older_than is not None:
        older = now - timedelta(hours=args.older_than)
        until = older if until is None else min(until, older)
    base = TicketQuery(
        statuses=tuple(args.status or ()),
        category=args.category,
        text=args.search,
        user_id=args.resident,
        since=datetime.combine(args.since, datetime.min.time(), UTC) if args.since else None,
        until=until,
        sort=args.sort,
        limit=args.limit,
    )
    word = args.queue_flag or args.queue
    query = queues.queue_query(word, actor, base) if word else base
    roster = await load_roster(store, settings)
    rules = load_rules(settings)
    found = await queues.find(store, rules, word, query, now)
    lines = [views.ticket_line(t, now, roster, (tm, rules)) for t, tm in found]
    return "\n".join(lines) or "No tickets."


async def _show(store: SQLiteTicketStore, settings: Settings, number: int) -> str:
    roster = await load_roster(store, settings)
    rules = load_rules(settings)
    ticket = await store.ticket(number)
    times = await timings(store, rules, [ticket])
    rated = await store.ratings(numbers=(number,))
    lines = views.timing_lines(times[number], rules, utcnow(), rated[0] if rated else None)
    return views.ticket_detail(ticket, await store.events(number), roster, lines)


async def _done(change: Awaitable[object], what: str) -> str:
    ticket = await change
    number = getattr(ticket, "number", "?")
    return f"#{number} {what}."


async def _followup(store: SQLiteTicketStore, args: argparse.Namespace, actor: str) -> str:
    text = " ".join(args.text)
    if not text.strip():
        raise staff.EmptyReplyError(args.number)
    await ratings.follow_up(store, args.number, actor, text, utcnow())
    return f"#{args.number} has its follow-up recorded (it leaves the rated-bad queue)."


async def _assign(
    store: SQLiteTicketStore, settings: Settings, args: argparse.Namespace, actor: str
) -> str:
    done = await assignment.assign(store, settings, args.number, actor, args.to, utcnow())
    told = " They are told in a private chat with the bot." if done.notified else ""
    return f"#{args.number} assigned to {done.assignee}.{told}"


async def _reply(
    store: SQLiteTicketStore, settings: Settings, args: argparse.Namespace, actor: str
) -> str:
    """Plain text, or with --entry / --snippet a standard reply in the resident's language."""
    if args.entry or args.snippet:
        if args.text:
            raise SystemExit("tickets reply: give TEXT or --entry/--snippet, not both")
        ticket = await store.ticket(args.number)
        kb = load_knowledge(settings.kb_dir) if args.entry else None
        ref = f"#{args.entry}" if args.entry else f"${args.snippet}"
        if kb is None:
            text = (await store.snippet(args.snippet)).text
        else:
            language = await staff.resident_language(store, ticket)
            text = await standard.standard_text(store, kb, ref, language)
    else:
        text = " ".join(args.text)
    await staff.reply(store, args.number, actor, text, utcnow())
    return f"#{args.number} answered; this reply is queued for the resident:\n\n{text}"


async def _snippet(store: SQLiteTicketStore, args: argparse.Namespace, actor: str) -> str:
    if args.snippet_action == "add":
        text = " ".join(args.text)
        if not text.strip():
            raise staff.EmptyReplyError(args.name)
        new = await standard.save_snippet(store, args.name, text, actor, utcnow())
        return f"Snippet ${args.name} {'saved' if new else 'replaced'}."
    if args.snippet_action == "remove":
        await store.remove_snippet(args.name)
        return f"Snippet ${args.name} removed."
    lines = [f"${s.name}\t{s.text}" for s in await store.snippets()]
    return "\n".join(lines) or "No snippets."


async def _stats(store: SQLiteTicketStore, settings: Settings, args: argparse.Namespace) -> str:
    rules = load_rules(settings)
    now = utcnow()
    span = span_of(rules, now, args.period, args.since, args.until)
    roster = await load_roster(store, settings)
    report = await build_report(store, rules, roster, span, now)
    if args.json:
        return json.dumps(as_json(report), ensure_ascii=False)
    return report_text(report)


async def _calendar(settings: Settings) -> str:
    """Each year in use (this one and the next): where its working days come from; warnings."""
    rules: Rules = load_rules(settings)
    calendar = rules.calendar
    years = calendar.years_in_use(utcnow())
    lines = [f"{year}: {calendar.source(year)}" for year in years]
    warnings = calendar.warnings(years)
    lines += [f"warning: {problem}" for problem in warnings]
    lines.append("calendar: OK" if not warnings else f"calendar: {len(warnings)} warning(s)")
    return "\n".join(lines)


async def _export(
    store: SQLiteTicketStore, settings: Settings, target: Path | None, out: TextIO
) -> str:
    roster = await load_roster(store, settings)
    count = await export(store, roster, load_rules(settings), target, out)
    return "" if target is None else f"Exported {count} tickets to {target}."


async def _forget(store: SQLiteTicketStore, user_id: int, actor: str, *, dry_run: bool) -> str:
    erasure = await store.forget_resident(user_id, actor, utcnow(), dry_run=dry_run)
    rows = ", ".join(f"{table} {n}" for table, n in erasure.counts.items())
    if not erasure.done:
        return f"Would delete for user {user_id}: {rows}. (dry run: nothing deleted)"
    note = (
        ""
        if erasure.wal_emptied
        else " The running service still holds the database's WAL: the deleted rows' old"
        " copies there go at its next checkpoint."
    )
    return (
        f"Deleted for user {user_id}: {rows}. The deletion is recorded (who, when, counts).{note}"
    )


async def _erasures(store: SQLiteTicketStore) -> str:
    lines = [
        f"{at:%Y-%m-%d %H:%M UTC} · {actor} · user {erasure.user_id} · "
        + ", ".join(f"{table} {n}" for table, n in erasure.counts.items())
        for at, actor, erasure in await store.erasures()
    ]
    return "\n".join(lines) or "No deletions on request."


async def _purge(store: SQLiteTicketStore, days: int, *, dry_run: bool) -> str:
    count = await store.purge(utcnow() - timedelta(days=days), dry_run=dry_run)
    if dry_run:
        return (
            f"Would purge {count} closed tickets older than {days} days (dry run: nothing deleted)."
        )
    return (
        f"Purged {count} closed tickets older than {days} days."
        " Votes on the answers that went are kept as totals."
    )
