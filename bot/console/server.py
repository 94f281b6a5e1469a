"""Serving the console with uvicorn: alone (`python -m bot console`) or beside the Telegram
service in the same event loop (`python -m bot run` with CONSOLE_PORT)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

import uvicorn
from starlette.applications import Starlette

from bot.config import Settings
from bot.console.app import build_console
from bot.dialogue.reload import knowledge_signature
from bot.helpdesk.console_access import DEFAULT_CONSOLE_PORT
from bot.matching.matcher import Matcher, load_matcher
from bot.store.interface import TicketStore
from bot.yamlio import DataError

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
START_TIMEOUT = 10.0  # seconds for the console to bind its port beside the service
CHECK_EVERY = 5.0  # seconds between looks at the knowledge files of a console serving alone


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
    own = _OwnKnowledge(settings, knowledge())
    app = build_console(
        settings, store, own, secret, open_store=open_store, after_approval=own.reload
    )
    return _Alone(_config(app, settings, port))


class _OwnKnowledge:
    """The knowledge of a console serving alone: what it started with, loaded again when the
    knowledge or intent files change (an approval written here or by `kb approve`, an edit;
    looked at every `CHECK_EVERY` seconds at most, when a page needs the knowledge), since the
    service's reload does not reach this process. A file with an error keeps the previous."""

    def __init__(self, settings: Settings, matcher: Matcher) -> None:
        self.settings = settings
        self.matcher = matcher
        self._signature = knowledge_signature(settings)
        self._checked = time.monotonic()

    def __call__(self) -> Matcher:
        if time.monotonic() - self._checked >= CHECK_EVERY:
            self._checked = time.monotonic()
            signature = knowledge_signature(self.settings)
            if signature != self._signature:
                self._signature = signature  # one attempt (and warning) per change
                self._load()
        return self.matcher

    async def reload(self) -> None:
        self._signature = knowledge_signature(self.settings)
        await asyncio.to_thread(self._load)

    def _load(self) -> None:
        try:
            self.matcher = load_matcher(self.settings.kb_dir, self.settings.intents_dir)
        except (DataError, OSError) as exc:
            log.error("console: knowledge reload failed, showing the previous: %s", exc)


class _Alone(uvicorn.Server):
    """uvicorn as its own process: SIGINT / SIGTERM stop it cleanly and the exit status is 0,
    as for `run` (uvicorn itself re-raises the signal after stopping)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _config(app: Starlette, settings: Settings, port: int | None) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=settings.console_listen,
        port=port or settings.console_port or DEFAULT_CONSOLE_PORT,
        log_config=None,  # our logging (bot/logs.py), with its masking
        access_log=False,  # URLs hold one-time login tokens
        proxy_headers=False,
        server_header=False,
    )


class _Beside(uvicorn.Server):
    """uvicorn inside the Telegram service's loop: the service owns the signals."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def console_beside(
    settings: Settings,
    store: TicketStore,
    knowledge: Callable[[], Matcher],
    after_approval: Callable[[], Awaitable[object]] | None = None,
) -> AsyncIterator[None]:
    """Serve the console on the running service's store and knowledge (`run` with
    CONSOLE_PORT) until the block ends; `after_approval` (the service's reload) runs once a
    knowledge proposal approved in the console is written. Raises OSError when the port cannot
    be bound."""
    secret = console_secret(settings)
    app = build_console(settings, store, knowledge, secret, after_approval=after_approval)
    server = _Beside(_config(app, settings, None))
    task = asyncio.create_task(server.serve())
    for _ in range(int(START_TIMEOUT * 20)):
        if server.started or task.done():
            break
        await asyncio.sleep(0.05)
    if not server.started:
        server.should_exit = True
        await task
        raise OSError(
            f"the console could not listen on {settings.console_listen}:{settings.console_port}"
        )
    log.info("console on http://%s:%s", settings.console_listen, settings.console_port)
    try:
        yield
    finally:
        server.should_exit = True
        await task
