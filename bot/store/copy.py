"""Moving a deployment from one database to another (`python -m bot db copy`): every table's
rows, keys included, into an empty database of the same schema version, in one transaction on
the target that is committed only when the row counts of every table and a checksum of the
tickets and their events match the source's.

The source is read inside one transaction of its own, so the copy is one consistent moment of
it (on SQLite that transaction holds the write lock: stop the service first, as the README
says, or it waits).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from bot.store.sql import Row, SQLDatabase

# Parents before children (foreign keys), each with the columns that order its rows.
TABLES: tuple[tuple[str, str], ...] = (
    ("tickets", "number"),
    ("answers", "id"),
    ("events", "id"),
    ("attachments", "id"),
    ("outbox", "id"),
    ("staff_posts", "chat_id, message_id"),
    ("chat_state", "channel, chat_id"),
    ("processed_messages", "channel, chat_id, input_key"),
    ("erasures", "id"),
    ("inbox", "id"),
    ("snippets", "name"),
    ("staff_members", "user_id"),
    ("vote_totals", "vote"),
    ("ratings", "ticket_number"),
    ("due_notices", "ticket_number, due_kind, state"),
    ("kb_proposals", "id"),
    ("console_links", "token_hash"),
    ("console_sessions", "id_hash"),
)
# Not copied: `poller_leases` and `send_budget` hold the state of the processes running on a
# database (a stopped service holds no lease), not the deployment's.
CHECKSUMMED = ("tickets", "events")
PAGE = 5000  # rows read and written at a time


class CopyError(RuntimeError):
    """Raised when a copy cannot be made (the target is not empty) or does not verify; nothing
    was committed to the target."""


@dataclass(frozen=True)
class CopyReport:
    """What was copied: rows per table, and the checksum of the checksummed tables."""

    counts: dict[str, int]
    checksums: dict[str, str]


async def table_counts(db: SQLDatabase) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table, _ in TABLES:
        row = await db.row(f"SELECT COUNT(*) FROM {table}")
        counts[table] = int(row[0]) if row else 0
    return counts


async def pages(db: SQLDatabase, table: str, page: int = PAGE) -> AsyncIterator[Sequence[Row]]:
    """The table's rows in key order, `page` at a time (each page starts after the last key of
    the one before: no OFFSET to scan past)."""
    order = dict(TABLES)[table]
    columns = [column.strip() for column in order.split(",")]
    after: list[Any] = []
    while True:
        where = f" WHERE ({order}) > ({', '.join('?' * len(columns))})" if after else ""
        rows = await db.rows(
            f"SELECT * FROM {table}{where} ORDER BY {order} LIMIT ?", (*after, page)
        )
        if rows:
            yield rows
        if len(rows) < page:
            return
        after = [rows[-1][column] for column in columns]


async def checksum(db: SQLDatabase, table: str, page: int = PAGE) -> str:
    """SHA-256 over the table's rows in key order, each as the JSON list of its values: the
    same rows give the same sum on either backend (both store the same text and integers)."""
    digest = hashlib.sha256()
    async for rows in pages(db, table, page):
        for row in rows:
            digest.update(json.dumps(list(row), ensure_ascii=False).encode())
            digest.update(b"\n")
    return digest.hexdigest()


async def copy_database(source: SQLDatabase, target: SQLDatabase, page: int = PAGE) -> CopyReport:
    """Copy every row of `source` into `target` (both open: migrated to the same version);
    CopyError when the target holds any row, or when the copy does not verify."""
    held = {table: n for table, n in (await table_counts(target)).items() if n}
    if held:
        listed = ", ".join(f"{table} {n}" for table, n in held.items())
        raise CopyError(f"the target database is not empty ({listed}); copy into an empty one")
    async with source.transaction(), target.transaction():
        for table, _ in TABLES:
            async for rows in pages(source, table, page):
                await target.insert_rows(table, list(rows[0].keys()), [list(r) for r in rows])
        await target.restart_keys()
        report = CopyReport(
            await table_counts(source),
            {table: await checksum(source, table, page) for table in CHECKSUMMED},
        )
        copied = CopyReport(
            await table_counts(target),
            {table: await checksum(target, table, page) for table in CHECKSUMMED},
        )
        if copied != report:
            raise CopyError(f"the copy does not match its source: {copied} ≠ {report}")
    return report
