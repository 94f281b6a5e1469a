"""Due times, ages and ratings as the console shows them, from the helpdesk's working-day
rules (bot/helpdesk/deadlines.py: accept and answer limits, met or pending) and the store's
好差评 ratings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings
from bot.helpdesk.deadlines import Rules, Timing, load_rules, timings
from bot.helpdesk.limits import TimeLimits
from bot.helpdesk.workdays import DueState
from bot.store.interface import TicketStore
from bot.store.model import Ticket


@dataclass(frozen=True)
class Workflow:
    rules: Rules

    @property
    def limits(self) -> TimeLimits:
        return self.rules.limits

    def age(self, ticket: Ticket, now: datetime) -> timedelta:
        """How long the ticket has been open, in working time (a closed one: until its last
        change, the closing)."""
        end = ticket.updated_at if ticket.status == "closed" else now
        return self.working_time(ticket.created_at, end)

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        return self.rules.calendar.working_time(start, max(start, end))

    async def timings(self, store: TicketStore, tickets: list[Ticket]) -> dict[int, Timing]:
        """Each ticket's limits (accept, answer), met or pending."""
        return await timings(store, self.rules, tickets)

    def state(self, timing: Timing | None, now: datetime) -> DueState | None:
        """on_time / due_soon / overdue for the next pending limit; None when none is."""
        return timing.state(self.rules, now) if timing is not None else None

    @staticmethod
    def due_at(timing: Timing | None) -> datetime | None:
        pending = timing.next_due() if timing is not None else None
        return pending.due if pending is not None else None


def load_workflow(settings: Settings) -> Workflow:
    """The calendar and limits in force (the operator's files over the bundled ones)."""
    return Workflow(load_rules(settings))
