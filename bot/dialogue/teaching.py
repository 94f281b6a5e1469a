"""Knowledge proposals from the staff group (issue 18): `/teach N [#entry-id]` proposes the
resident's question of ticket N as a new wording (of that entry, or the closest), `/teach N new
DEPARTMENT` a new entry drafted from the staff reply and owned by that department; more
wordings follow after `|` (`/teach 4 new 区文旅委 | 问法二 | 问法三`). `/approve P`
and `/reject P reason` review one (never by its author). The checks take seconds, so the
transport runs these in the background, outside the engine's transaction, like /reload."""

from __future__ import annotations

from datetime import datetime

from bot import words
from bot.config import Settings
from bot.learning import review
from bot.learning.change import ChangeError
from bot.learning.draft import Draft
from bot.learning.refusal import Refusal
from bot.store.database import TicketNotFound
from bot.store.interface import TicketStore
from bot.store.proposals import ProposalDecidedError, ProposalNotFound

TEACH_COMMANDS = ("teach", "approve", "reject")


async def teach_command(
    store: TicketStore,
    settings: Settings,
    user_id: int,
    name: str,
    args: str,
    now: datetime,
    language: str | None = None,
) -> str:
    """Run /teach, /approve or /reject for staff member `user_id`; return the reply."""
    actor = f"staff:{user_id}"
    head, *wordings = args.split("|")
    parts = head.split()
    if not parts or not parts[0].lstrip("#P").isdigit():
        return words.teach_usage_text(language)
    number = int(parts[0].lstrip("#P"))
    setup = review.setup_for(settings)
    try:
        if name == "approve":
            await review.approve(store, setup, number, actor, now)
            return words.proposal_decided_text(number, True, language)
        if name == "reject":
            await review.reject(store, number, actor, " ".join(parts[1:]), now)
            return words.proposal_decided_text(number, False, language)
        added = tuple(w.strip() for w in wordings if w.strip())
        if len(parts) > 1 and parts[1].lower() == "new":
            draft = Draft("entry", questions=added, owner=" ".join(parts[2:]))
        else:
            entry = parts[1].lstrip("#") if len(parts) > 1 else None
            draft = Draft("wording", entry_id=entry, questions=added)
        proposal, checks = await review.propose(store, setup, number, draft, actor, now)
    except TicketNotFound:
        return words.ticket_not_found_text(number, language)
    except ProposalNotFound:
        return refused([Refusal("no_proposal", proposal=number)], language)
    except ProposalDecidedError:
        return refused([Refusal("decided", proposal=number)], language)
    except review.AuthorCannotReviewError as exc:
        return refused([exc.refusal], language)
    except review.ReviewRefusedError as exc:
        return refused(exc.refusals, language)
    except ChangeError as exc:
        return refused([exc.refusal], language)
    summary = words.proposal_checks_text(
        proposal.kind,
        proposal.entry_id,
        checks.problems,
        [
            f"{c.question}（{words.decided_text(c.before, language)} → "
            f"{words.decided_text(c.after, language)}）"
            for c in checks.stolen
        ],
        checks.changed_count,
        (checks.loo_before, checks.loo_after),
        checks.already,
        language,
    )
    return words.proposal_made_text(proposal.number, summary, language)


def refused(refusals: list[Refusal], language: str | None) -> str:
    """The reply to a /teach, /approve or /reject that cannot be done: why, and the command
    that does it."""
    return words.proposal_refused_text(
        words.teach_refused_text(refusals, "telegram", language), language
    )
