"""`python -m bot tickets …`: staff ticket operations on the embedded database.

list / show / claim [--force] / reply / close / reopen / stats / export / purge / forget /
erasures. Acts as `--as USER_ID` (recorded as staff:USER_ID) or as "cli".
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.helpdesk import operations as staff
from bot.privacy import mask_pii
from bot.store.backend import Store, make_store
from bot.store.database import (
    DatabaseStartupError,
    StoreUnavailableError,
    TicketNotFound,
    utcnow,
)
from bot.store.model import CATEGORIES, STATUSES, ClaimedByOtherError, InvalidTransitionError

CSV_COLUMNS = (
    "number",
    "created_at",
    "updated_at",
    "status",
    "category",
    "channel",
    "user_id",
    "chat_id",
    "name",
    "language",
    "assignee",
    "phone",
    "text",
    "last_staff_reply",
    "attachments",
)


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
    listing = sub.add_parser("list", help="list tickets (newest first)")
    listing.add_argument("--status", choices=STATUSES, action="append", help="repeatable")
    listing.add_argument("--category", choices=CATEGORIES)
    listing.add_argument(
        "--older-than", type=float, metavar="HOURS", help="created at least HOURS ago"
    )
    listing.add_argument("--limit", type=int, default=100)
    for name, help_text in (
        ("show", "one ticket with its history (full phone number)"),
        ("reopen", "reopen a closed ticket"),
    ):
        sub.add_parser(name, help=help_text).add_argument("number", type=int)
    claim = sub.add_parser("claim", help="take a ticket (refused when someone else holds it)")
    claim.add_argument("number", type=int)
    claim.add_argument(
        "--force", action="store_true", help="take it over from whoever holds it (recorded)"
    )
    reply = sub.add_parser("reply", help="answer the resident (queued for delivery)")
    reply.add_argument("number", type=int)
    reply.add_argument("text", nargs="+")
    close = sub.add_parser("close", help="close a ticket (the note stays internal)")
    close.add_argument("number", type=int)
    close.add_argument("--note", default="")
    sub.add_parser("stats", help="counts by status and category, median time to first reply")
    export = sub.add_parser("export", help="all tickets as CSV (phone numbers masked)")
    export.add_argument("--csv", type=Path, default=None, metavar="FILE", help="default: stdout")
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


def _days(text: str) -> int:
    """A whole number of days, 0 or more (a negative age would purge tickets closed today)."""
    if not text.isascii() or not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days (0 or more)")
    return int(text)


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return asyncio.run(_run(args, settings, make_store(settings), sys.stdout))
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
    except (DatabaseStartupError, StoreUnavailableError) as exc:
        print(str(exc), file=sys.stderr)
    return 1


async def _run(args: argparse.Namespace, settings: Settings, store: Store, out: TextIO) -> int:
    actor = f"staff:{args.actor_id}" if args.actor_id is not None else "cli"
    await store.open()
    try:
        action: Callable[[], Awaitable[str]] = {
            "list": lambda: _list(store, args),
            "show": lambda: _show(store, args.number),
            "claim": lambda: _done(
                staff.claim(store, args.number, actor, utcnow(), take_over=args.force),
                f"claimed by {actor}",
            ),
            "reply": lambda: _done(
                staff.reply(store, args.number, actor, " ".join(args.text), utcnow()),
                "answered; the reply is queued for the resident",
            ),
            "close": lambda: _done(
                staff.close(store, args.number, actor, args.note, utcnow()), "closed"
            ),
            "reopen": lambda: _done(staff.reopen(store, args.number, actor, utcnow()), "reopened"),
            "stats": lambda: _stats(store),
            "export": lambda: _export(store, args.csv, out),
            "forget": lambda: _forget(store, args.user, actor, dry_run=args.dry_run),
            "erasures": lambda: _erasures(store),
            "purge": lambda: _purge(
                store, settings.retention_days if args.older_than is None else args.older_than
            ),
        }[args.action]
        text = await action()
    finally:
        await store.close()
    if text:
        out.write(text + "\n")
    return 0


async def _list(store: Store, args: argparse.Namespace) -> str:
    now = utcnow()
    before = now - timedelta(hours=args.older_than) if args.older_than is not None else None
    tickets = await store.tickets(
        statuses=tuple(args.status or ()),
        category=args.category,
        created_before=before,
        limit=args.limit,
    )
    return "\n".join(staff.ticket_line(t, now) for t in tickets) or "No tickets."


async def _show(store: Store, number: int) -> str:
    return staff.ticket_detail(await store.ticket(number), await store.events(number))


async def _done(change: Awaitable[object], what: str) -> str:
    ticket = await change
    number = getattr(ticket, "number", "?")
    return f"#{number} {what}."


async def _stats(store: Store) -> str:
    return staff.stats_text(await store.stats())


async def _export(store: Store, target: Path | None, out: TextIO) -> str:
    tickets = await store.tickets()
    rows = [
        {
            **{column: getattr(t, column) for column in CSV_COLUMNS if hasattr(t, column)},
            "created_at": t.created_at.isoformat(),
            "updated_at": t.updated_at.isoformat(),
            "phone": mask_pii(t.phone) if t.phone else "",
            "text": mask_pii(t.text),
            "last_staff_reply": t.last_staff_reply or "",
            "attachments": " ".join(t.attachments),
        }
        for t in sorted(tickets, key=lambda t: t.number)
    ]
    if target is None:
        _write_csv(rows, out)
        return ""
    with target.open("w", encoding="utf-8", newline="") as handle:
        _write_csv(rows, handle)
    return f"Exported {len(rows)} tickets to {target}."


def _write_csv(rows: list[dict[str, object]], handle: TextIO) -> None:
    writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)


async def _forget(store: Store, user_id: int, actor: str, *, dry_run: bool) -> str:
    erasure = await store.forget_resident(user_id, actor, utcnow(), dry_run=dry_run)
    rows = ", ".join(f"{table} {n}" for table, n in erasure.counts.items())
    if not erasure.done:
        return f"Would delete for user {user_id}: {rows}. (dry run: nothing deleted)"
    if store.dialect.name != "sqlite":
        note = (
            " PostgreSQL keeps the deleted rows' bytes in its files until VACUUM reuses the"
            " space, and in WAL archives and backups while those are kept."
        )
    elif erasure.wal_emptied:
        note = ""
    else:
        note = (
            " The running service still holds the database's WAL: the deleted rows' old"
            " copies there go at its next checkpoint."
        )
    return (
        f"Deleted for user {user_id}: {rows}. The deletion is recorded (who, when, counts).{note}"
    )


async def _erasures(store: Store) -> str:
    lines = [
        f"{at:%Y-%m-%d %H:%M UTC} · {actor} · user {erasure.user_id} · "
        + ", ".join(f"{table} {n}" for table, n in erasure.counts.items())
        for at, actor, erasure in await store.erasures()
    ]
    return "\n".join(lines) or "No deletions on request."


async def _purge(store: Store, days: int) -> str:
    count = await store.purge(utcnow() - timedelta(days=days))
    return f"Purged {count} closed tickets older than {days} days."
