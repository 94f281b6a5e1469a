"""Incoming messages already acted on, with the replies they got: a message delivered twice (a
transport retrying after a crash) is answered again without being acted on again."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.messages import Outcome, Reply
from bot.store.database import to_text
from bot.store.outbox import choices_from_json, choices_to_json
from bot.store.sql import SQLDatabase

DUPLICATE_NOTE = "duplicate"
# How long an input is remembered: Telegram keeps an unconfirmed update for 24 hours, so nothing
# older comes again. Older records (they hold reply text) are dropped as new ones are written.
KEPT_FOR = timedelta(days=2)


def outcome_to_json(outcome: Outcome) -> str:
    return json.dumps(
        {
            "replies": [[r.text, choices_to_json(r.choices)] for r in outcome.replies],
            "ticket": outcome.ticket_number,
            "notes": list(outcome.notes),
        },
        ensure_ascii=False,
    )


def outcome_from_json(text: str) -> Outcome:
    """The outcome as first given, its notes led by "duplicate"."""
    saved = json.loads(text)
    replies = tuple(Reply(t, choices_from_json(c)) for t, c in saved["replies"])
    return Outcome(replies, saved["ticket"], (DUPLICATE_NOTE, *saved["notes"]))


class ProcessedStore(SQLDatabase):
    """The processed-messages part of the store."""

    async def recall_outcome(self, channel: str, chat_id: int, key: str) -> Outcome | None:
        """What this input was answered the first time, or None when it is new."""
        row = await self.row(
            "SELECT outcome FROM processed_messages"
            " WHERE channel = ? AND chat_id = ? AND input_key = ?",
            (channel, chat_id, key),
        )
        return None if row is None else outcome_from_json(row["outcome"])

    async def remember_outcome(
        self, channel: str, chat_id: int, key: str, outcome: Outcome, at: datetime
    ) -> None:
        """Record the input and its replies, and forget those older than KEPT_FOR."""
        await self.execute(
            "DELETE FROM processed_messages WHERE created_at < ?", (to_text(at - KEPT_FOR),)
        )
        await self.execute(
            "INSERT INTO processed_messages (channel, chat_id, input_key, outcome, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (channel, chat_id, key, outcome_to_json(outcome), to_text(at)),
        )
