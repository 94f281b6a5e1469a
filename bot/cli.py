"""The command line: `python -m bot <command>` (also installed as `yuzhong-bot`).

Each command lives in its own module with `add_arguments(parser)` and `run(args, settings)`;
this file is only the table of contents.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import Settings, SettingsError, load_settings
from bot.logs import setup_logging

# name → (module, one-line help). Order is the order `--help` shows.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("bot.service", "start the Telegram service (needs TELEGRAM_BOT_TOKEN)"),
    "chat": ("bot.chat", "chat in the terminal, on the embedded database"),
    "ask": ("bot.ask", "answer questions without saving anything (--json for machines)"),
    "eval": ("bot.evaluate", "score the matcher on evaluation files"),
    "kb": ("bot.kb_cli", "knowledge-base tools: `kb check`"),
    "tickets": ("bot.staff_cli", "staff ticket operations: list, show, claim, reply, close …"),
}


def build_parser() -> argparse.ArgumentParser:
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
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command)
        command.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(env_file=args.env_file)
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    secrets = tuple(
        s.reveal() for s in (settings.telegram_bot_token, settings.webhook_secret) if s is not None
    )
    setup_logging(settings.log_level, secrets, resident_text=settings.log_resident_text)
    if args.command is None:
        command = "run" if settings.telegram_bot_token is not None else "chat"
        args = parser.parse_args([*argv, command])
    result: int = args.handler(args, settings)
    return result


def not_ready(command: str, issue: int) -> int:
    """For a command whose capability is not built yet: say so and exit 2."""
    print(f"`{command}` is not available yet (see issue #{issue}).", file=sys.stderr)
    return 2


__all__ = ["COMMANDS", "Settings", "build_parser", "main", "not_ready"]
