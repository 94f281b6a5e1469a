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
from dataclasses import dataclass

from bot.store.sql import SQLDatabase

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
)
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


async def checksum(db: SQLDatabase, table: str) -> str:
    """SHA-256 over the table's rows in key order, each as the JSON list of its values: the
    same rows give the same sum on either backend (both store the same text and integers)."""
    order = dict(TABLES)[table]
    digest = hashlib.sha256()
    offset = 0
    while True:
        rows = await db.rows(
            f"SELECT * FROM {table} ORDER BY {order} LIMIT ? OFFSET ?", (PAGE, offset)
        )
        for row in rows:
            digest.update(json.dumps(list(row), ensure_ascii=False).encode())
            digest.update(b"\n")
        if len(rows) < PAGE:
            return digest.hexdigest()
        offset += PAGE


async def copy_database(source: SQLDatabase, target: SQLDatabase) -> CopyReport:
    """Copy every row of `source` into `target` (both open: migrated to the same version);
    CopyError when the target holds any row, or when the copy does not verify."""
    held = {table: n for table, n in (await table_counts(target)).items() if n}
    if held:
        listed = ", ".join(f"{table} {n}" for table, n in held.items())
        raise CopyError(f"the target database is not empty ({listed}); copy into an empty one")
    async with source.transaction(), target.transaction():
        for table, order in TABLES:
            offset = 0
            while True:
                rows = await source.rows(
                    f"SELECT * FROM {table} ORDER BY {order} LIMIT ? OFFSET ?", (PAGE, offset)
                )
                if rows:
                    await target.insert_rows(table, list(rows[0].keys()), [list(r) for r in rows])
                if len(rows) < PAGE:
                    break
                offset += PAGE
        await target.restart_keys()
        report = CopyReport(
            await table_counts(source),
            {table: await checksum(source, table) for table in CHECKSUMMED},
        )
        copied = CopyReport(
            await table_counts(target),
            {table: await checksum(target, table) for table in CHECKSUMMED},
        )
        if copied != report:
            raise CopyError(f"the copy does not match its source: {copied} ≠ {report}")
    return report
