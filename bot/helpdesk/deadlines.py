"""Time limits applied to tickets: every ticket's accept-by (first staff action) and answer-by
due times, computed on the official working-day calendar from its category's limits
(`limits`, `workdays`), whether each is met, and its state now (on time / due soon / overdue).

Due times are computed, not stored: from the ticket's arrival and its category, so one rule
gives every view (Telegram, the CLI, reminders, stats) the same answer. A bad rating's
follow-up due time is fixed when the rating arrives and kept with the rating.

- **accept** is met by the first thing staff do to the ticket (claim, assign, reply, close);
- **answer** by the first staff reply, or by staff closing it without one;
- a ticket that is closed has nothing pending; one withdrawn by the resident before a limit
  was met is left out of the on-time rates unless that limit had already passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

from bot.config import Settings
from bot.helpdesk.limits import TimeLimits, load_time_limits
from bot.helpdesk.workdays import DueState, WorkCalendar, load_calendar
from bot.store.interface import TicketStore
from bot.store.model import Milestones, Ticket

LimitKind = Literal["accept", "answer", "follow_up"]


@dataclass(frozen=True)
class Rules:
    """The limits in force and the calendar they are counted on."""

    limits: TimeLimits
    calendar: WorkCalendar

    def state(self, due: datetime, now: datetime) -> DueState:
        return self.calendar.due_state(due, now, soon=self.limits.due_soon)

    def follow_up_due(self, rated_at: datetime) -> datetime:
        return self.calendar.due_at(rated_at, self.limits.bad_rating_follow_up_days)

    def local(self, moment: datetime) -> datetime:
        """A time in the working hours' zone, for showing."""
        return moment.astimezone(self.limits.hours.zone)


def load_rules(settings: Settings) -> Rules:
    """The time limits and calendar of these settings (files checked: DataError on a problem)."""
    return _load(settings.time_limits_file, settings.holidays_file)


@lru_cache(maxsize=4)
def _load(limits_file: Path | None, holidays_file: Path | None) -> Rules:
    limits = load_time_limits(limits_file)
    return Rules(limits, load_calendar(limits.hours, holidays_file))


@dataclass(frozen=True)
class Deadline:
    """One limit of one ticket: when it is due and when (if) it was met."""

    kind: LimitKind
    due: datetime
    met_at: datetime | None

    @property
    def met_on_time(self) -> bool:
        return self.met_at is not None and self.met_at <= self.due


@dataclass(frozen=True)
class Timing:
    """A ticket's two limits and whether it is closed (then nothing is pending)."""

    number: int
    accept: Deadline
    answer: Deadline
    closed_at: datetime | None

    def pending(self) -> list[Deadline]:
        """The limits still to meet: none once the ticket is closed."""
        if self.closed_at is not None:
            return []
        return [d for d in (self.accept, self.answer) if d.met_at is None]

    def next_due(self) -> Deadline | None:
        """The limit to watch now: the earliest one pending."""
        pending = self.pending()
        return min(pending, key=lambda d: d.due) if pending else None

    def state(self, rules: Rules, now: datetime) -> DueState | None:
        """The worst state of the pending limits (None: nothing pending)."""
        states = [rules.state(d.due, now) for d in self.pending()]
        for worst in ("overdue", "due_soon", "on_time"):
            if worst in states:
                return worst
        return None


def timing(rules: Rules, ticket: Ticket, marks: Milestones) -> Timing:
    """The ticket's accept-by and answer-by due times, from its arrival and category."""
    limits = rules.limits
    accept_due = rules.calendar.due_at(ticket.created_at, limits.accept_days[ticket.category])
    answer_due = rules.calendar.due_at(ticket.created_at, limits.answer_days[ticket.category])
    staff_closed = marks.closed_at if marks.closed_by and not _resident(marks.closed_by) else None
    return Timing(
        number=ticket.number,
        accept=Deadline("accept", accept_due, marks.accepted_at),
        answer=Deadline("answer", answer_due, marks.first_reply_at or staff_closed),
        closed_at=marks.closed_at,
    )


def counted(deadline: Deadline, timing: Timing, now: datetime) -> bool:
    """Whether a limit counts in an on-time rate: met, or passed unmet (before any close)."""
    if deadline.met_at is not None:
        return True
    end = timing.closed_at or now
    return deadline.due < end


def _resident(actor: str) -> bool:
    return actor.startswith("user:")


async def timings(store: TicketStore, rules: Rules, tickets: list[Ticket]) -> dict[int, Timing]:
    """The timing of each ticket (one history query for all)."""
    marks = await store.milestones([t.number for t in tickets])
    return {t.number: timing(rules, t, marks[t.number]) for t in tickets}
