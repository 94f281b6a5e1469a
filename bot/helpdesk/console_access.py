"""One-time login links to the staff web console: `/console` in a private chat and
`python -m bot console-link` make one; the console redeems it. Only the token's hash is
stored; a link works once, within `LINK_LIFETIME`, and only for STAFF_USER_IDS."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from bot.config import Settings
from bot.helpdesk.assignment import NotStaffError
from bot.store.interface import TicketStore

LINK_LIFETIME = timedelta(minutes=10)
LOGIN_PATH = "/login/"
DEFAULT_CONSOLE_PORT = 8080


def secret_hash(secret: str) -> str:
    """What the store keeps of a link token or a session id."""
    return hashlib.sha256(secret.encode()).hexdigest()


def console_base_url(settings: Settings) -> str:
    """Where staff reach the console: CONSOLE_BASE_URL, else the address it listens on."""
    if settings.console_base_url:
        return settings.console_base_url
    port = settings.console_port or DEFAULT_CONSOLE_PORT
    return f"http://{settings.console_listen}:{port}"


async def issue_link(store: TicketStore, settings: Settings, user_id: int, now: datetime) -> str:
    """A new one-time login link for a staff member; NotStaffError for anyone else."""
    if not settings.is_staff(user_id):
        raise NotStaffError(user_id)
    token = secrets.token_urlsafe(32)
    await store.add_console_link(secret_hash(token), user_id, now, now + LINK_LIFETIME)
    return console_base_url(settings) + LOGIN_PATH + token


async def redeem_link(store: TicketStore, settings: Settings, token: str, now: datetime) -> int:
    """The staff user id a link logs in (marking it used). Raises ConsoleLinkRefusedError
    (unknown, used, expired) or NotStaffError (removed from STAFF_USER_IDS since)."""
    user_id = await store.use_console_link(secret_hash(token), now)
    if not settings.is_staff(user_id):
        raise NotStaffError(user_id)
    return user_id
