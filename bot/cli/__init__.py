"""The command line: `python -m bot <command>` (also installed as `yuzhong-bot`).

Each command lives in its own module with `add_arguments(parser)` and `run(args, settings)`;
this file is only the table of contents.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import SettingsError, load_settings
from bot.logs import setup_logging

# name → (module, one-line help). Order is the order `--help` shows.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("bot.transport.service", "start the Telegram service (needs TELEGRAM_BOT_TOKEN)"),
    "chat": ("bot.cli.chat", "chat in the terminal, on the embedded database"),
    "ask": ("bot.cli.ask", "answer questions without saving anything (--json for machines)"),
    "eval": ("bot.cli.evaluate", "score the matcher on evaluation files"),
    "kb": (
        "bot.cli.kb",
        "knowledge-base tools: check [--owners], propose, review, approve, reject, gaps",
    ),
    "tickets": ("bot.cli.tickets", "staff ticket operations: list, show, claim, reply, close …"),
    "db": ("bot.cli.db", "the database: `db status`, `db migrate`, `db copy --from URL --to URL`"),
    "console": ("bot.cli.console", "serve the staff web console (CONSOLE_* settings)"),
    "console-link": (
        "bot.cli.console_link",
        "print a one-time console login link for a staff member",
    ),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only `command`'s module is imported (all of them when None), so `kb check`
    does not load the Telegram library or numpy."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description=(
            "Yuzhong service assistant. With no command: start the Telegram service when "
            "TELEGRAM_BOT_TOKEN is set, otherwise the terminal chat."
        ),
    )
    parser.add_argument(
        "--env-file", type=Path, default=Path(".env"), help="settings file (default: ./.env)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        subparser = sub.add_parser(name, help=help_text, description=help_text)
        if command is None or command == name:
            module = importlib.import_module(module_name)
            module.add_arguments(subparser)
            subparser.set_defaults(handler=module.run)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The command named in `argv`, or None (no command, or help asked before it)."""
    for word in argv:
        if word in COMMANDS:
            return word
        if word in ("-h", "--help"):
            return None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command_in(argv)
    args = build_parser(command).parse_args(argv)
    try:
        settings = load_settings(env_file=args.env_file)
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    secrets = tuple(
        s.reveal()
        for s in (settings.telegram_bot_token, settings.webhook_secret, settings.console_secret)
        if s is not None
    )
    setup_logging(settings.log_level, secrets, resident_text=settings.log_resident_text)
    if args.command is None:
        command = "run" if settings.telegram_bot_token is not None else "chat"
        args = build_parser(command).parse_args([*argv, command])
    try:
        result: int = args.handler(args, settings)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`… | head`): stop quietly. Point stdout at /dev/null so the
        # interpreter's own flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return result


def not_ready(command: str, issue: int) -> int:
    """For a command whose capability is not built yet: say so and exit 2."""
    print(f"`{command}` is not available yet (see issue #{issue}).", file=sys.stderr)
    return 2
