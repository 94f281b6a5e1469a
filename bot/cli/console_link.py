"""`python -m bot console-link --staff-id ID`: print a one-time console login link (valid 10
minutes) for a staff member, as `/console` sends one in Telegram."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import Settings
from bot.helpdesk.assignment import NotStaffError
from bot.helpdesk.console_access import issue_link
from bot.store.backend import make_store
from bot.store.database import utcnow


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--staff-id", type=int, required=True, help="a user id in STAFF_USER_IDS")


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        print(asyncio.run(_link(settings, args.staff_id)))
    except NotStaffError:
        print(f"{args.staff_id} is not in STAFF_USER_IDS: no link.", file=sys.stderr)
        return 1
    return 0


async def _link(settings: Settings, user_id: int) -> str:
    store = make_store(settings)
    await store.open()
    try:
        return await issue_link(store, settings, user_id, utcnow())
    finally:
        await store.close()
