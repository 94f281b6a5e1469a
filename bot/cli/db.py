"""`python -m bot db …`: the database's schema and moving a deployment between databases.

status (the steps applied and pending) / migrate (apply the pending ones) / copy --from URL
--to URL (every row into an empty database, verified by counts and checksums). Each works on
DATABASE_URL (`sqlite:///…` or `postgresql://…`) unless given URLs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import (
    Settings,
    SettingsError,
    check_database_url,
    is_postgres_url,
    parse_database_url,
)
from bot.store.backend import applied_steps, describe, make_store, pending_steps
from bot.store.copy import CopyError, copy_database
from bot.store.database import DatabaseStartupError, StoreUnavailableError
from bot.store.migrations import NotPortedError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sub.add_parser("status", help="the schema steps applied to DATABASE_URL, and those pending")
    sub.add_parser("migrate", help="apply the pending schema steps to DATABASE_URL")
    copy = sub.add_parser(
        "copy", help="copy every row into an empty database (verified by counts and checksums)"
    )
    copy.add_argument("--from", dest="source", required=True, metavar="URL", help="sqlite:///…")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="postgresql://…")


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.action == "status":
            text = asyncio.run(_status(settings.database_url))
        elif args.action == "migrate":
            text = asyncio.run(_migrate(settings))
        else:
            check_database_url(args.source, "--from")
            check_database_url(args.target, "--to")
            text = asyncio.run(_copy(settings, args.source, args.target))
    except (SettingsError, CopyError, NotPortedError) as exc:
        print(f"Cannot do that: {exc}", file=sys.stderr)
        return 1
    except (DatabaseStartupError, StoreUnavailableError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(text)
    return 0


async def _status(url: str) -> str:
    applied = await applied_steps(url)
    lines = [f"database: {describe(url)}"]
    lines += [f"  applied  {s.version}  {s.name}  ({s.applied_at[:19]})" for s in applied]
    pending = pending_steps(applied)
    lines += [f"  pending  {version}  {name}" for version, name in pending]
    current = applied[-1].version if applied else 0
    lines.append(
        f"schema version {current}; "
        + (f"{len(pending)} step(s) pending: `db migrate`" if pending else "up to date")
    )
    return "\n".join(lines)


async def _migrate(settings: Settings) -> str:
    before = {step.version for step in await applied_steps(settings.database_url)}
    store = make_store(settings)
    await store.open()  # opening applies every pending step, each in its own transaction
    await store.close()
    applied = [v for v, _ in pending_steps([]) if v not in before]
    where = describe(settings.database_url)
    if not applied:
        return f"{where}: up to date, nothing to apply."
    return f"{where}: applied step(s) {', '.join(map(str, applied))}."


async def _copy(settings: Settings, source_url: str, target_url: str) -> str:
    if not is_postgres_url(source_url) and not parse_database_url(source_url).is_file():
        raise CopyError(f"there is no SQLite database at {describe(source_url)} to copy from")
    source = make_store(settings, source_url)
    target = make_store(settings, target_url)
    await source.open()
    try:
        await target.open()
        try:
            report = await copy_database(source, target)
        finally:
            await target.close()
    finally:
        await source.close()
    rows = ", ".join(f"{table} {n}" for table, n in report.counts.items())
    sums = ", ".join(f"{table} {digest[:16]}" for table, digest in report.checksums.items())
    return (
        f"Copied {describe(source_url)} → {describe(target_url)}: {rows}.\n"
        f"Verified: the row counts of every table and the checksums ({sums}) match."
    )
