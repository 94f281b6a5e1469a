"""`python -m bot run`: placeholder until issue #6 lands."""

from __future__ import annotations

import argparse

from bot.cli import not_ready
from bot.config import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return not_ready("run", 6)
