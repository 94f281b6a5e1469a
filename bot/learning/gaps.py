"""The questions the knowledge base missed, grouped: open and answered tickets whose questions
share most of their words (the matcher's own normalised character and bigram tokens), largest
group first, each with the ticket whose staff answer a proposal would start from."""

from __future__ import annotations

from dataclasses import dataclass

from bot.learning.draft import ticket_question
from bot.matching.matcher import Matcher
from bot.matching.tokens import char_tokens
from bot.store.model import Ticket

SIMILAR = 0.5  # Jaccard overlap of two questions' token sets at which they are one group
GAP_STATUSES = ("open", "claimed", "answered")


@dataclass(frozen=True)
class Gap:
    tickets: tuple[Ticket, ...]  # oldest first
    question: str  # the first ticket's question, personal data removed
    best: Ticket  # the ticket to propose from: the latest with a staff reply, else the first

    @property
    def size(self) -> int:
        return len(self.tickets)


def group_gaps(tickets: list[Ticket], matcher: Matcher) -> list[Gap]:
    """Group `tickets` by the similarity of their questions; largest group first."""
    groups: list[tuple[frozenset[str], list[Ticket]]] = []
    for ticket in sorted(tickets, key=lambda t: t.number):
        question, _ = ticket_question(ticket)
        tokens = frozenset(char_tokens(matcher.normalize(question)))
        if not tokens:
            continue
        for seed, members in groups:
            if len(tokens & seed) / len(tokens | seed) >= SIMILAR:
                members.append(ticket)
                break
        else:
            groups.append((tokens, [ticket]))
    gaps = []
    for _, members in groups:
        answered = [t for t in members if t.last_staff_reply]
        best = answered[-1] if answered else members[0]
        gaps.append(Gap(tuple(members), ticket_question(members[0])[0], best))
    return sorted(gaps, key=lambda g: (-g.size, g.tickets[0].number))
