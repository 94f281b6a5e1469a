"""Serving the console with uvicorn: alone (`python -m bot console`) or beside the Telegram
service in the same event loop (`python -m bot run` with CONSOLE_PORT)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import uvicorn

from bot.config import Settings
from bot.console.app import build_console
from bot.helpdesk.console_access import DEFAULT_CONSOLE_PORT
from bot.matching.matcher import Matcher
from bot.store.interface import TicketStore

log = logging.getLogger(__name__)


class ConsoleSecretMissingError(RuntimeError):
    """Raised when the console would start without CONSOLE_SECRET (and not in --dev mode)."""


def console_secret(settings: Settings, *, dev: bool = False) -> str:
    """CONSOLE_SECRET, or with `dev` a random one for this process (sessions end at restart)."""
    if settings.console_secret is not None:
        return settings.console_secret.reveal()
    if not dev:
        raise ConsoleSecretMissingError(
            "CONSOLE_SECRET is not set: the console signs its session cookies with it "
            "(use at least 16 random characters; --dev makes a throwaway one)"
        )
    log.warning("console: --dev, sessions are signed with a throwaway secret")
    return secrets.token_urlsafe(32)


def console_server(
    settings: Settings,
    store: TicketStore,
    knowledge: Callable[[], Matcher],
    secret: str,
    *,
    open_store: bool,
    port: int | None = None,
) -> uvicorn.Server:
    app = build_console(settings, store, knowledge, secret, open_store=open_store)
    config = uvicorn.Config(
        app,
        host=settings.console_listen,
        port=port or settings.console_port or DEFAULT_CONSOLE_PORT,
        log_config=None,  # our logging (bot/logs.py), with its masking
        access_log=False,  # URLs hold one-time login tokens
        proxy_headers=False,
        server_header=False,
    )
    return uvicorn.Server(config)
