"""Due times, ages and ratings as the console shows them, behind a few small functions.

Main has the working-day calendar and the time limits (bot/helpdesk/workdays.py, limits.py)
but the store does not keep due times or 好差评 ratings yet (the `workflow` branch adds them).
Until then the due time is computed here from the ticket's arrival and its category's answer
limit, and there are no ratings. TODO(workflow): point `due_at`, `due_state`, `rating` and
`rated_bad` at the workflow helpdesk functions once merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.config import Settings
from bot.helpdesk.limits import TimeLimits, load_time_limits
from bot.helpdesk.workdays import DueState, WorkCalendar, load_calendar
from bot.store.model import Ticket

AWAITING_STAFF = ("open", "claimed")  # the statuses a due time runs for


@dataclass(frozen=True)
class Workflow:
    calendar: WorkCalendar
    limits: TimeLimits
    # (arrival day, working days) → due time: the 即将超期 / 已超期 tabs ask for thousands of
    # tickets at once, most of them sharing arrival days.
    _due: dict[tuple[date, int], datetime] = field(default_factory=dict, compare=False)

    def age(self, ticket: Ticket, now: datetime) -> timedelta:
        """How long the ticket has been open, in working time (a closed one: until its last
        change, the closing)."""
        end = ticket.updated_at if ticket.status == "closed" else now
        return self.calendar.working_time(ticket.created_at, max(end, ticket.created_at))

    def due_at(self, ticket: Ticket) -> datetime | None:
        """When the answer is due; None once staff answered or closed it."""
        if ticket.status not in AWAITING_STAFF:
            return None
        days = self.limits.answer_days[ticket.category]
        key = (ticket.created_at.astimezone(self.limits.hours.zone).date(), days)
        if key not in self._due:
            self._due[key] = self.calendar.due_at(ticket.created_at, days)
        return self._due[key]

    def due_state(self, ticket: Ticket, now: datetime) -> DueState | None:
        due = self.due_at(ticket)
        if due is None:
            return None
        return self.calendar.due_state(due, now, soon=self.limits.due_soon)

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        return self.calendar.working_time(start, max(start, end))

    def rating(self, ticket: Ticket) -> str | None:
        """The resident's 好差评 rating; None until ratings are stored (workflow branch)."""
        return None

    @property
    def has_ratings(self) -> bool:
        return False


def load_workflow(settings: Settings) -> Workflow:
    """The calendar and limits in force (the operator's files over the bundled ones)."""
    limits = load_time_limits(settings.time_limits_file)
    return Workflow(load_calendar(limits.hours, settings.holidays_file), limits)
