"""`python -m bot console`: the staff web console alone, on the same database as the service
(CONSOLE_LISTEN, CONSOLE_PORT, default 8080; CONSOLE_SECRET required unless --dev)."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.config import Settings
from bot.console.server import ConsoleSecretMissingError, console_secret, console_server
from bot.matching.matcher import load_matcher
from bot.store.backend import make_store
from bot.yamlio import DataError

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dev", action="store_true", help="allow starting without CONSOLE_SECRET (a throwaway one)"
    )
    parser.add_argument("--port", type=int, help="port (default CONSOLE_PORT, else 8080)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        secret = console_secret(settings, dev=args.dev)
    except ConsoleSecretMissingError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        matcher = load_matcher(settings.kb_dir, settings.intents_dir)
    except DataError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 1
    store = make_store(settings)
    server = console_server(
        settings, store, lambda: matcher, secret, open_store=True, port=args.port
    )
    log.info("console on http://%s:%s", server.config.host, server.config.port)
    server.run()
    return 0 if server.started else 1
