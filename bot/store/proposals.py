"""Knowledge proposals in the SQLite store (issue 18): a staff member's proposed change to the
knowledge base (a new wording for an entry, or a new entry), the automatic checks' result, and
the second person's decision. The change and the checks are JSON text the learning layer
(`bot.learning`) reads and writes; the store only keeps them."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.store.database import Database, from_text, to_text
from bot.store.model import NewProposal, Proposal


class ProposalNotFound(LookupError):  # noqa: N818 -- reads like TicketNotFound beside it
    """Raised when no proposal has the number asked for."""


class ProposalDecidedError(RuntimeError):
    """Raised when a proposal that is already approved or rejected is decided again."""


class ProposalStore(Database):
    """Proposals: add, read, record their checks, approve or reject."""

    async def add_proposal(self, new: NewProposal, at: datetime) -> int:
        """Store a proposal; return its number."""
        return await self.execute(
            "INSERT INTO kb_proposals (kind, origin, ticket_number, entry_id, change, checks,"
            " author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.kind,
                new.origin,
                new.ticket_number,
                new.entry_id,
                new.change,
                new.checks,
                new.author,
                to_text(at),
            ),
        )

    async def proposal(self, number: int) -> Proposal:
        row = await self.row("SELECT * FROM kb_proposals WHERE id = ?", (number,))
        if row is None:
            raise ProposalNotFound(number)
        return _proposal(row)

    async def proposals(self, status: str | None = None) -> list[Proposal]:
        """Proposals, oldest first; only those in `status` when given."""
        if status is None:
            rows = await self.rows("SELECT * FROM kb_proposals ORDER BY id")
        else:
            rows = await self.rows(
                "SELECT * FROM kb_proposals WHERE status = ? ORDER BY id", (status,)
            )
        return [_proposal(r) for r in rows]

    async def set_proposal_checks(self, number: int, checks: str) -> None:
        if not await self.change(
            "UPDATE kb_proposals SET checks = ? WHERE id = ?", (checks, number)
        ):
            raise ProposalNotFound(number)

    async def decide_proposal(
        self, number: int, status: str, reviewer: str, why: str, at: datetime
    ) -> Proposal:
        """Approve or reject an open proposal, recording who and when; raise
        ProposalDecidedError when it was decided already (by someone else, at the same time)."""
        async with self.transaction():
            current = await self.proposal(number)
            if current.status != "open":
                raise ProposalDecidedError(number)
            await self.execute(
                "UPDATE kb_proposals SET status = ?, reviewer = ?, reviewed_at = ?, why = ?"
                " WHERE id = ? AND status = 'open'",
                (status, reviewer, to_text(at), why, number),
            )
            return await self.proposal(number)


def _proposal(row: sqlite3.Row) -> Proposal:
    return Proposal(
        number=row["id"],
        kind=row["kind"],
        origin=row["origin"],
        ticket_number=row["ticket_number"],
        entry_id=row["entry_id"],
        change=row["change"],
        checks=row["checks"],
        status=row["status"],
        author=row["author"],
        created_at=from_text(row["created_at"]),
        reviewer=row["reviewer"],
        reviewed_at=from_text(row["reviewed_at"]) if row["reviewed_at"] else None,
        why=row["why"],
    )
