"""Who has a ticket open in the console, and who is typing a reply, kept in this process's
memory for a few seconds (the ticket page asks every few seconds, and says so when a reply is
being typed). Several console processes each know only their own viewers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

FRESH = timedelta(seconds=15)  # a viewer (or a typist) not heard from for this long has left


@dataclass
class Presence:
    # ticket → user id → (last seen, last typed a reply or None)
    _seen: dict[int, dict[int, tuple[datetime, datetime | None]]] = field(default_factory=dict)

    def saw(self, number: int, user_id: int, now: datetime, *, replying: bool = False) -> None:
        viewers = self._seen.setdefault(number, {})
        typed = now if replying else viewers.get(user_id, (now, None))[1]
        viewers[user_id] = (now, typed)

    def others(self, number: int, user_id: int, now: datetime) -> list[tuple[int, bool]]:
        """(user id, replying) of everyone else who has the ticket open now."""
        viewers = self._seen.get(number, {})
        for gone in [uid for uid, (at, _) in viewers.items() if now - at > FRESH]:
            del viewers[gone]
        return sorted(
            (uid, typed is not None and now - typed <= FRESH)
            for uid, (_, typed) in viewers.items()
            if uid != user_id
        )
