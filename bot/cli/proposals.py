"""`python -m bot kb propose / review / approve / reject / gaps`: the arguments of the
knowledge-proposal actions (issue 18). What they do is `bot.cli.proposing`, imported only when
one runs, so `kb check` still loads neither the matcher's numpy nor the store."""

from __future__ import annotations

import argparse

from bot.config import Settings

ACTIONS = ("propose", "review", "approve", "reject", "gaps")


def add_actions(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The review actions under `kb`."""
    propose = actions.add_parser("propose", help="propose knowledge from a ticket staff answered")
    propose.add_argument("--from-ticket", type=int, required=True, metavar="N")
    propose.add_argument(
        "--new", action="store_true", help="a new entry drafted from the staff reply"
    )
    propose.add_argument(
        "--entry",
        metavar="ID",
        help="wording: the entry (default: the closest); --new: the new entry's id",
    )
    propose.add_argument(
        "--question", action="append", default=[], help="another wording (repeatable)"
    )
    propose.add_argument("--title", default="")
    propose.add_argument("--title-en", default="")
    propose.add_argument("--category", default="", help="default: the closest entry's")
    propose.add_argument(
        "--audience", default="resident", choices=("resident", "enterprise", "both")
    )
    propose.add_argument("--answer", default="", help="default: the ticket's latest staff reply")
    propose.add_argument("--answer-en", default="")
    propose.add_argument(
        "--owner", default="", help="the department that provides and maintains the answer"
    )
    propose.add_argument(
        "--public-number",
        default="",
        help="a public service number in the answer that the owner confirmed",
    )
    propose.add_argument("--seed-file", default="", help="or: a seed report as the source")
    propose.add_argument("--seed-quote", default="")
    actions.add_parser("review", help="the proposals waiting for review, with their checks")
    approve = actions.add_parser("approve", help="approve proposal P (not its author)")
    approve.add_argument("number", type=int, metavar="P")
    approve.add_argument(
        "--despite-stolen",
        action="store_true",
        help="approve although the change takes questions of other entries",
    )
    reject = actions.add_parser("reject", help="reject proposal P with the reason")
    reject.add_argument("number", type=int, metavar="P")
    reject.add_argument("--why", required=True)
    gaps = actions.add_parser("gaps", help="open and answered tickets grouped by similarity")
    gaps.add_argument(
        "--days",
        type=int,
        default=7,
        help="tickets filed in the last DAYS days (default 7: the weekly list; 0: all)",
    )
    for name in ("propose", "approve", "reject"):
        actions.choices[name].add_argument(
            "--as", dest="actor_id", type=int, default=None, metavar="USER_ID"
        )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import proposing

    return proposing.run(args, settings)
