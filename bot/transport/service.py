"""`python -m bot run`: the Telegram service, by long polling or (with WEBHOOK_URL) by webhook.

Every update is stored in the inbox before Telegram is told it arrived (bot/telegram_intake.py).
SIGHUP reloads the knowledge (bot/reload.py). With CONSOLE_PORT the staff web console is served
beside it, on the same store (bot/console/). SIGINT and SIGTERM stop it cleanly: fetching
stops, the updates stored are handled (up to 10 s; the rest wait in the inbox), the outbox sends
what is in flight, the store closes, and the exit status is 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from urllib.parse import urlsplit

from telegram.error import InvalidToken, NetworkError

from bot.config import Settings
from bot.console.server import console_beside
from bot.store.database import DatabaseStartupError
from bot.transport.app import REFUSED, STOP_REQUESTED, App, build_application
from bot.transport.handlers import Runtime
from bot.transport.intake import serving
from bot.transport.polling import EXIT_ANOTHER_POLLER, PollingRefusedError
from bot.yamlio import DataError

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Polls Telegram for updates unless WEBHOOK_URL is set. Needs TELEGRAM_BOT_TOKEN; "
        "see the README for the other settings."
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run until SIGINT/SIGTERM; 0 after a clean stop, 1 when start-up fails, 3
    (EXIT_ANOTHER_POLLER) when another process polls Telegram for the bot."""
    if settings.telegram_bot_token is None:
        print(
            "`run` needs TELEGRAM_BOT_TOKEN: the token @BotFather gave your bot, "
            "in the environment or in .env (or use `python -m bot chat` to try it in a terminal).",
            file=sys.stderr,
        )
        return 2
    if settings.console_port is not None and settings.console_secret is None:
        print(
            "CONSOLE_PORT is set but CONSOLE_SECRET is not: the web console signs its session "
            "cookies with it (at least 16 random characters).",
            file=sys.stderr,
        )
        return 2
    application = build_application(settings, reload_on_hangup=True)
    try:
        return _served(application, settings)
    finally:
        # The loop has closed and, with it, the service's own stop-signal handlers: a stop
        # signal repeated now, while the process exits, must not kill it half-way (status -15).
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)


def _served(application: App, settings: Settings) -> int:
    """Serve until stopped; the exit status (see `run`)."""
    try:
        asyncio.run(serve(application, settings))
    except PollingRefusedError as exc:
        if not application.bot_data.get(REFUSED):  # refused at start: not logged yet
            log.error("%s", exc)
        return EXIT_ANOTHER_POLLER
    except InvalidToken:
        log.error("Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather")
        return 1
    except NetworkError as exc:
        log.error("could not reach the Bot API at %s: %s", settings.telegram_base_url, exc)
        return 1
    except (DataError, DatabaseStartupError, OSError) as exc:
        log.error("cannot start: %s", exc)
        return 1
    log.info("stopped")
    return 0


async def serve(application: App, settings: Settings) -> None:
    """Run the service until a stop signal (see bot/transport/intake.py for how updates come);
    PollingRefusedError when it stopped, or never started, because another process polls."""
    stop = asyncio.Event()
    application.bot_data[STOP_REQUESTED] = stop
    webhook_path = None
    if settings.webhook_url and settings.webhook_secret:
        webhook_path = urlsplit(settings.webhook_url).path.lstrip("/")
        log.info(
            "receiving updates by webhook on %s:%s", settings.webhook_listen, settings.webhook_port
        )
    else:
        log.info("receiving updates by long polling from %s…", settings.telegram_base_url)
    async with serving(application, settings, webhook_path=webhook_path) as rt:
        if settings.console_port is None:
            await stop.wait()
        else:
            await _with_console(settings, rt, stop)
    refused = application.bot_data.get(REFUSED)
    if isinstance(refused, PollingRefusedError):  # another poller: stopped, not a clean stop
        raise refused


async def _with_console(settings: Settings, rt: Runtime, stop: asyncio.Event) -> None:
    """Serve the staff web console beside the service until the stop signal: it shares the
    service's store, follows its knowledge reloads and, after an approval written in the
    console, reloads the service at once."""
    async with console_beside(
        settings,
        rt.store,
        lambda: rt.engine.services.matcher,
        after_approval=rt.reloader.reload_if_changed,
    ):
        await stop.wait()
