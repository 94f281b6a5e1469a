"""`python -m bot kb check [--owners]`: validate the knowledge base and the intents, report every
problem (and list the entries staff answers own); the proposal actions are `bot.cli.proposals`."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot.cli import proposals
from bot.config import Settings
from bot.kb.intents import load_intents
from bot.kb.loader import check_quotes, load_knowledge
from bot.kb.model import KnowledgeBase
from bot.learning.owners import owned_entries
from bot.matching.checks import check_details
from bot.paths import default_seeds_dir
from bot.yamlio import DataError, Problem


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="kb_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check", help="check every knowledge and intent file; exit 1 on errors"
    )
    check.add_argument(
        "--seeds",
        type=Path,
        default=None,
        help="source documents to verify quotes against (default: ../shared/seeds when present)",
    )
    check.add_argument(
        "--owners",
        action="store_true",
        help="also list the entries staff answers own, with their department and age",
    )
    proposals.add_actions(actions)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.kb_action in proposals.ACTIONS:
        return proposals.run(args, settings)
    problems: list[Problem] = []
    kb = intents = None
    try:
        kb = load_knowledge(settings.kb_dir)
    except DataError as exc:
        problems.extend(exc.problems)
    try:
        intents = load_intents(settings.intents_dir)
    except DataError as exc:
        problems.extend(exc.problems)
    if kb is not None:
        problems.extend(check_details(kb))
    seeds = args.seeds or default_seeds_dir()
    if kb is not None and seeds is not None:
        problems.extend(check_quotes(kb, seeds))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"kb check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    assert kb is not None
    assert intents is not None
    print(f"kb check: OK: {kb.summary()}; {len(intents.intents)} intents")
    if args.owners:
        print_owners(kb)
    return 0


def print_owners(kb: KnowledgeBase) -> None:
    """Entries whose answers staff gave: department, ticket, date and age (due yearly)."""
    owned = owned_entries(kb, date.today())
    print(f"{len(owned)} entries with a staff source (reviewed yearly):")
    for o in owned:
        due = "  ← due for review" if o.due else ""
        print(f"  {o.entry_id}: {o.owner}, ticket #{o.ticket}, {o.since}, {o.age_days} days{due}")
