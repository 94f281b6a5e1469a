"""The review of knowledge proposals, as a small function API the shell (`kb propose / review /
approve / reject`), the staff group (`/teach`, `/approve`, `/reject`) and the web console's
知识库 tab call alike:

- `propose(...)`: draft a change from a ticket, store the proposal, run the checks;
- `open_proposals(store)`: what waits for review, with its checks (None while they run);
- `approve(...)`: by a staff member other than the author; the checks are run again on today's
  knowledge, the change is written into the YAML, and the decision (who, when) is recorded.
  The running service notices the changed files and reloads within a minute;
- `reject(...)`: with the reason.

The checks take seconds (two leave-one-out runs): they run in a worker thread, outside any
database transaction. The console files a proposal at once (`file_proposal`) and runs its
checks in the background (`check_proposal`); the shell and the staff group wait for them.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.config import Settings
from bot.kb.loader import load_knowledge
from bot.learning.change import Change, ChangeError
from bot.learning.checks import Checks, run_checks
from bot.learning.draft import Draft, draft_change, origin_of
from bot.learning.refusal import Refusal
from bot.learning.yamledit import apply_change, target_file
from bot.matching.matcher import Matcher, load_matcher
from bot.paths import default_eval_files, default_seeds_dir
from bot.store.interface import TicketStore
from bot.store.model import NewProposal, Proposal
from bot.yamlio import DataError

CHECKS_TO_RUN = ""  # a proposal's stored checks before they have run


class AuthorCannotReviewError(PermissionError):
    """Raised when a proposal's author tries to approve it: a second person must."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.refusal = Refusal("author", proposal=number)


class ReviewRefusedError(ValueError):
    """Raised when a proposal cannot be approved as it stands; `refusals` says why."""

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("; ".join(str(r) for r in refusals))
        self.refusals = refusals


@dataclass(frozen=True)
class Setup:
    """Where the knowledge is and what the regression check asks."""

    kb_dir: Path
    intents_dir: Path
    eval_files: tuple[Path, ...] = ()
    seeds_dir: Path | None = None


def setup_for(settings: Settings) -> Setup:
    """The knowledge folders of `settings`, the evaluation sets and seeds beside a checkout."""
    return Setup(settings.kb_dir, settings.intents_dir, default_eval_files(), default_seeds_dir())


def check(change: Change, setup: Setup, today: Matcher) -> Checks:
    return run_checks(change, setup.kb_dir, today, setup.eval_files, setup.seeds_dir)


async def propose(
    store: TicketStore,
    setup: Setup,
    ticket_number: int,
    draft: Draft,
    author: str,
    now: datetime,
) -> tuple[Proposal, Checks]:
    """Draft a change from ticket `ticket_number`, store it as a proposal and check it; raise
    TicketNotFound, or ChangeError naming what the draft lacks."""
    today = await asyncio.to_thread(load_matcher, setup.kb_dir, setup.intents_dir)
    proposal = await file_proposal(store, setup, ticket_number, draft, author, now, today=today)
    checks = await check_proposal(store, setup, proposal.number, today=today)
    return await store.proposal(proposal.number), checks


async def file_proposal(
    store: TicketStore,
    setup: Setup,
    ticket_number: int,
    draft: Draft,
    author: str,
    now: datetime,
    *,
    today: Matcher | None = None,
) -> Proposal:
    """Draft a change from ticket `ticket_number` and store it as a proposal whose checks are
    still to run (`check_proposal`); raise TicketNotFound, or ChangeError naming what the
    draft lacks. `today`: the matcher on today's knowledge, when the caller has loaded it."""
    ticket = await store.ticket(ticket_number)
    if today is None:
        today = await asyncio.to_thread(load_matcher, setup.kb_dir, setup.intents_dir)
    change = draft_change(ticket, today, draft, author, now)
    new = NewProposal(
        kind=change.kind,
        origin=origin_of(ticket),
        ticket_number=ticket.number,
        entry_id=change.entry_id,
        change=change.to_json(),
        author=author,
        checks=CHECKS_TO_RUN,
    )
    return await store.proposal(await store.add_proposal(new, now))


async def check_proposal(
    store: TicketStore, setup: Setup, number: int, *, today: Matcher | None = None
) -> Checks:
    """Run the checks on proposal `number` against today's knowledge (`today`, when the caller
    has loaded it) and store them."""
    change = Change.from_json((await store.proposal(number)).change)
    if today is None:
        today = await asyncio.to_thread(load_matcher, setup.kb_dir, setup.intents_dir)
    checks = await asyncio.to_thread(check, change, setup, today)
    await store.set_proposal_checks(number, checks.to_json())
    return checks


async def open_proposals(store: TicketStore) -> list[tuple[Proposal, Change, Checks | None]]:
    """The proposals waiting for review, oldest first, with their change and checks (None
    while they are still to run)."""
    return [
        (
            p,
            Change.from_json(p.change),
            None if p.checks == CHECKS_TO_RUN else Checks.from_json(p.checks),
        )
        for p in await store.proposals("open")
    ]


async def approve(
    store: TicketStore,
    setup: Setup,
    number: int,
    reviewer: str,
    now: datetime,
    *,
    despite_stolen: bool = False,
) -> Proposal:
    """Approve proposal `number` and write it into the knowledge files.

    Raises ProposalNotFound, ProposalDecidedError, AuthorCannotReviewError, or
    ReviewRefusedError when today's checks fail (a kb check rule, a contact detail, or, unless
    `despite_stolen`, questions of other entries the change would take).
    """
    proposal = await store.proposal(number)
    if proposal.status != "open":
        raise ReviewRefusedError([Refusal("decided", proposal=number, detail=proposal.status)])
    if proposal.author == reviewer:
        raise AuthorCannotReviewError(number)
    change = Change.from_json(proposal.change)
    today = await asyncio.to_thread(load_matcher, setup.kb_dir, setup.intents_dir)
    checks = await asyncio.to_thread(check, change, setup, today)
    await store.set_proposal_checks(number, checks.to_json())
    refusals = checks.blocking(number, despite_stolen=despite_stolen)
    if refusals:
        raise ReviewRefusedError(refusals)
    written = await asyncio.to_thread(_write, setup.kb_dir, today, change, number)
    try:
        return await store.decide_proposal(number, "approved", reviewer, "", now)
    except BaseException:
        written.restore()
        raise


async def reject(
    store: TicketStore, number: int, reviewer: str, why: str, now: datetime
) -> Proposal:
    """Reject proposal `number` with the reason (its author may withdraw it this way)."""
    if not why.strip():
        raise ChangeError(Refusal("no_reason", proposal=number))
    return await store.decide_proposal(number, "rejected", reviewer, why.strip(), now)


@dataclass(frozen=True)
class _Written:
    path: Path
    before: str

    def restore(self) -> None:
        self.path.write_text(self.before, encoding="utf-8")


def _write(kb_dir: Path, today: Matcher, change: Change, number: int) -> _Written:
    """Write the change; if the knowledge then fails to load (e.g. another approval added the
    same entry a moment ago), put the file back and raise. One writer at a time: approvals in
    two processes take turns on a lock on the folder."""
    folder = os.open(kb_dir, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        target = target_file(kb_dir, today.kb, change)
        written = _Written(target, target.read_text(encoding="utf-8"))
        apply_change(kb_dir, today.kb, change)
        try:
            load_knowledge(kb_dir)
        except DataError as exc:
            written.restore()
            refusals = [Refusal("kb_check", proposal=number, detail=str(p)) for p in exc.problems]
            raise ReviewRefusedError(refusals) from exc
        return written
    finally:
        os.close(folder)  # releases the lock
