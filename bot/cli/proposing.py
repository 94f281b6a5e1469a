"""`python -m bot kb propose / review / approve / reject / gaps`: knowledge proposals from the
shell (issue 18), over `bot.learning.review`. `--as USER_ID` names the staff member (recorded as
staff:USER_ID; default "cli"); the author of a proposal cannot approve it."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.learning import review
from bot.learning.change import Change, ChangeError
from bot.learning.checks import Checks
from bot.learning.draft import Draft
from bot.learning.gaps import GAP_STATUSES, group_gaps
from bot.learning.refusal import Refusal
from bot.matching.matcher import load_matcher
from bot.store.backend import make_store
from bot.store.database import DatabaseStartupError, StoreUnavailableError, TicketNotFound
from bot.store.interface import TicketStore
from bot.store.model import Proposal
from bot.store.proposals import ProposalDecidedError, ProposalNotFound
from bot.words import teach_refusal_fixes, teach_refusal_reason, teach_refused_text
from bot.yamlio import DataError


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        store = make_store(settings)
        return asyncio.run(_run(args, settings, store))
    except TicketNotFound as exc:
        print(f"Not done: {exc}", file=sys.stderr)  # "ticket #N does not exist"
    except ProposalNotFound:
        refused([Refusal("no_proposal", proposal=args.number)])
    except ProposalDecidedError:
        refused([Refusal("decided", proposal=args.number)])
    except review.AuthorCannotReviewError as exc:
        refused([exc.refusal])
    except review.ReviewRefusedError as exc:
        print("Cannot approve; nothing was written:", file=sys.stderr)
        for refusal in exc.refusals:
            print(f"  - {teach_refusal_reason(refusal, 'en')}", file=sys.stderr)
        for fix in teach_refusal_fixes(exc.refusals, "cli", "en"):
            print(f"  → {fix}", file=sys.stderr)
    except ChangeError as exc:
        refused([exc.refusal])
    except DataError as exc:
        print(f"The knowledge base has problems; fix them first:\n{exc}", file=sys.stderr)
    except DatabaseStartupError as exc:
        print(f"Cannot open the database: {exc}", file=sys.stderr)
    except (StoreUnavailableError, OSError) as exc:
        print(f"Database error: {exc}", file=sys.stderr)
    return 1


def refused(refusals: list[Refusal]) -> None:
    """Say on stderr why it was not done and which option does it (in the shell's English)."""
    print(f"Not done: {teach_refused_text(refusals, 'cli', 'en')}", file=sys.stderr)


async def _run(args: argparse.Namespace, settings: Settings, store: TicketStore) -> int:
    await store.open()
    try:
        return await _act(args, settings, store)
    finally:
        await store.close()


async def _act(args: argparse.Namespace, settings: Settings, store: TicketStore) -> int:
    now = datetime.now(UTC)
    actor = f"staff:{args.actor_id}" if getattr(args, "actor_id", None) else "cli"
    setup = review.setup_for(settings)
    if args.kb_action == "propose":
        draft = Draft(
            kind="entry" if args.new else "wording",
            entry_id=args.entry,
            questions=tuple(args.question),
            title=args.title,
            title_en=args.title_en,
            category=args.category,
            audience=args.audience,
            answer=args.answer,
            answer_en=args.answer_en,
            owner=args.owner,
            public_number=args.public_number,
            seed_file=args.seed_file,
            seed_quote=args.seed_quote,
        )
        proposal, checks = await review.propose(store, setup, args.from_ticket, draft, actor, now)
        print(describe(proposal, Change.from_json(proposal.change), checks))
        return 0
    if args.kb_action == "review":
        waiting = await review.open_proposals(store)
        if not waiting:
            print("No proposals wait for review.")
        for proposal, change, stored in waiting:
            # None: filed in the console a moment ago, its checks still running: run them here
            shown = stored or await review.check_proposal(store, setup, proposal.number)
            print(describe(proposal, change, shown), end="\n\n")
        return 0
    if args.kb_action == "approve":
        proposal = await review.approve(
            store, setup, args.number, actor, now, despite_stolen=args.despite_stolen
        )
        print(
            f"P{proposal.number} approved by {proposal.reviewer}; written into "
            f"{settings.kb_dir}. A running service reloads it within a minute."
        )
        return 0
    if args.kb_action == "reject":
        proposal = await review.reject(store, args.number, actor, args.why, now)
        print(f"P{proposal.number} rejected by {proposal.reviewer}: {proposal.why}")
        return 0
    matcher = load_matcher(settings.kb_dir, settings.intents_dir)
    tickets = await store.tickets(statuses=GAP_STATUSES)
    if args.days > 0:
        tickets = [t for t in tickets if t.created_at >= now - timedelta(days=args.days)]
    gaps = group_gaps(tickets, matcher)
    if not gaps:
        print("No open or answered tickets.")
    for gap in gaps:
        numbers = " ".join(f"#{t.number}" for t in gap.tickets)
        print(f"{gap.size} × {gap.question}  ({numbers})")
        print(f"    python -m bot kb propose --from-ticket {gap.best.number}")
    return 0


def describe(proposal: Proposal, change: Change, checks: Checks) -> str:
    """A proposal for its reviewer: what it changes, and every check."""
    origin = f"ticket #{proposal.ticket_number} ({proposal.origin})"
    lines = [f"P{proposal.number} · {proposal.status} · by {proposal.author} · from {origin}"]
    if change.kind == "wording":
        lines.append(f"  new wording for {change.entry_id}:")
    else:
        lines.append(f"  new entry {change.entry_id} ({change.category}): {change.title}")
        lines.append(f"  answer: {change.answer}")
        source = f"owner {change.owner}" if change.owner else "a seed quote"
        lines.append(f"  source: {source}")
    lines += [f"    · {q}" for q in change.questions]
    if change.candidates:
        lines.append(f"  closest entries: {', '.join(change.candidates)}")
    lines.append("  checks:")
    lines += [f"    ✗ kb check: {p}" for p in checks.problems] or ["    ✓ kb check rules"]
    if checks.already:
        lines.append(f"    ! already answered by today's matcher: {', '.join(checks.already)}")
    lines += [f"    ✗ contact detail in the answer: {c}" for c in checks.contacts]
    if checks.problems:
        lines.append("    (no regression run: the change breaks a rule)")
    else:
        lines.append(
            f"    leave-one-out {checks.loo_before}% → {checks.loo_after}%; "
            f"{checks.changed_count} question(s) decided differently"
        )
        for c in checks.changes:
            mark = "✗ takes" if c.stolen else "·"
            lines.append(f"    {mark} {c.question} [{c.where}]: {c.before} → {c.after}")
    return "\n".join(lines)
