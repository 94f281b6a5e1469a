"""The database's files on disk: created owner-only (they hold phone numbers), and checked at
start-up for room to grow, so a full disk stops start-up with one line instead of a service
that answers "busy" to everyone."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import aiosqlite

MIN_FREE_BYTES = 1024 * 1024  # less free space than this on the database's disk is "full"
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def make_private_folder(folder: Path) -> None:
    """Create `folder` (and its parents) readable by the owner only; an existing one is left
    as the operator set it."""
    if folder.is_dir():
        return
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    folder.chmod(FOLDER_MODE)  # mkdir's mode is reduced by the umask, never widened: be exact


def create_private_file(path: Path) -> None:
    """Create an empty database file readable by the owner only, unless it exists. SQLite
    gives its -wal and -shm files the same permissions."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)


async def room_problem(conn: aiosqlite.Connection, path: Path) -> str | None:
    """Why the database cannot grow (one line starting "disk full"), or None: too little free
    space on its disk, or no free page left below SQLite's page limit."""
    free = shutil.disk_usage(path.parent).free
    if free < MIN_FREE_BYTES:
        return (
            f"disk full: {free // 1024} KiB free where the database {path} is; free some space"
            " and start again"
        )
    pages = await _pragma(conn, "PRAGMA page_count")
    limit = await _pragma(conn, "PRAGMA max_page_count")
    if pages >= limit and await _pragma(conn, "PRAGMA freelist_count") == 0:
        return (
            f"disk full: the database {path} is at its size limit ({pages} pages); free some"
            " space and start again"
        )
    return None


async def _pragma(conn: aiosqlite.Connection, statement: str) -> int:
    async with conn.execute(statement) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0
