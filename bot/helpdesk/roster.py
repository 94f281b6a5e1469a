"""Who the staff are, by name: the `STAFF` setting's names, else the name Telegram last showed
(kept in `staff_members`), else the user id. Turns `staff:42` into a name for every list and
history staff read, and `@name`, a name or a user id into the staff member `/assign` means."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.store.interface import TicketStore

STAFF_PREFIX = "staff:"


def staff_actor(user_id: int) -> str:
    """How a staff member is recorded in tickets and their history."""
    return f"{STAFF_PREFIX}{user_id}"


def actor_user_id(actor: str | None) -> int | None:
    """The user id inside `staff:42`; None for "cli", residents and anything else."""
    if actor is None or not actor.startswith(STAFF_PREFIX):
        return None
    digits = actor.removeprefix(STAFF_PREFIX)
    return int(digits) if digits.isascii() and digits.isdigit() else None


@dataclass(frozen=True)
class Roster:
    """Staff names by user id, and @usernames, for showing and finding staff members."""

    names: dict[int, str]
    usernames: dict[str, int]  # lower-case username (without @) → user id
    staff_ids: frozenset[int]

    def name(self, actor: str | None) -> str:
        """`staff:42` → "张三" (STAFF, or Telegram's name), else the actor as recorded."""
        user_id = actor_user_id(actor)
        if user_id is not None and self.names.get(user_id):
            return self.names[user_id]
        return actor or ""

    def find(self, wanted: str) -> int | None:
        """The user id `wanted` means: digits, `@username`, or a name (exact, any case)."""
        token = wanted.strip()
        if token.isascii() and token.isdigit():
            return int(token)
        bare = token.removeprefix("@").casefold()
        if bare in self.usernames:
            return self.usernames[bare]
        matches = [uid for uid, name in self.names.items() if name.casefold() == bare]
        return matches[0] if len(matches) == 1 else None


async def load_roster(store: TicketStore, settings: Settings) -> Roster:
    """The roster now: Telegram's names overridden by the STAFF setting."""
    names: dict[int, str] = {}
    usernames: dict[str, int] = {}
    for member in await store.staff_members():
        if member.name:
            names[member.user_id] = member.name
        if member.username:
            usernames[member.username.casefold()] = member.user_id
    names.update(dict(settings.staff))
    return Roster(names, usernames, settings.staff_user_ids)
