"""Per-chat conversation state and the answers shown, kept in the database so a restart loses
no flow and a feedback button still knows which question it is about."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.store.database import to_text
from bot.store.sql import SQLDatabase


class AnswerNotFoundError(LookupError):
    """Raised when an answer reference is unknown or belongs to another chat."""


@dataclass(frozen=True)
class ChatState:
    """Where one chat is: a flow in progress (its step and data), its language, its last answer."""

    channel: str
    chat_id: int
    flow: str | None = None  # "tongban" | "followup"
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    language: str | None = None  # chosen with /lang; None: not chosen
    last_answer_ref: int | None = None
    written_language: str | None = None  # of the latest message that had one ("en" / "zh")


@dataclass(frozen=True)
class AnswerRecord:
    """A question the assistant answered (or offered choices for)."""

    id: int
    channel: str
    chat_id: int
    user_id: int
    question: str
    entry_id: str | None
    candidates: tuple[tuple[str, float], ...]


class StateStore(SQLDatabase):
    """The conversation-state part of the store."""

    async def lock_chat(self, channel: str, chat_id: int) -> None:
        """Hold this chat until the transaction ends: another replica's turn for the same chat
        waits (PostgreSQL; on SQLite the transaction holds the only write lock already)."""
        if self.dialect.chat_lock:
            await self.rows(self.dialect.chat_lock, (f"{channel}:{chat_id}",))

    async def load_state(self, channel: str, chat_id: int) -> ChatState:
        row = await self.row(
            "SELECT * FROM chat_state WHERE channel = ? AND chat_id = ?", (channel, chat_id)
        )
        if row is None:
            return ChatState(channel, chat_id)
        return ChatState(
            channel=channel,
            chat_id=chat_id,
            flow=row["flow"],
            step=row["step"],
            data=json.loads(row["data"]),
            language=row["language"],
            written_language=row["written_language"],
            last_answer_ref=row["last_answer_ref"],
        )

    async def save_state(self, state: ChatState, at: datetime) -> None:
        await self.execute(
            "INSERT INTO chat_state (channel, chat_id, flow, step, data, language,"
            " written_language, last_answer_ref, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (channel, chat_id) DO UPDATE SET flow = excluded.flow,"
            " step = excluded.step, data = excluded.data, language = excluded.language,"
            " written_language = excluded.written_language,"
            " last_answer_ref = excluded.last_answer_ref, updated_at = excluded.updated_at",
            (
                state.channel,
                state.chat_id,
                state.flow,
                state.step,
                json.dumps(state.data, ensure_ascii=False),
                state.language,
                state.written_language,
                state.last_answer_ref,
                to_text(at),
            ),
        )

    async def record_answer(
        self,
        channel: str,
        chat_id: int,
        user_id: int,
        question: str,
        entry_id: str | None,
        candidates: tuple[tuple[str, float], ...],
        at: datetime,
    ) -> int:
        """Remember a shown answer (or clarify question); return its reference."""
        return await self.execute(
            "INSERT INTO answers (channel, chat_id, user_id, question, entry_id, candidates,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                channel,
                chat_id,
                user_id,
                question,
                entry_id,
                json.dumps(candidates),
                to_text(at),
            ),
        )

    async def answer(self, ref: int, channel: str, chat_id: int) -> AnswerRecord:
        """The answer `ref` shown in this chat; raises AnswerNotFoundError for any other."""
        row = await self.row(
            "SELECT * FROM answers WHERE id = ? AND channel = ? AND chat_id = ?",
            (ref, channel, chat_id),
        )
        if row is None:
            raise AnswerNotFoundError(ref)
        return AnswerRecord(
            id=row["id"],
            channel=row["channel"],
            chat_id=row["chat_id"],
            user_id=row["user_id"],
            question=row["question"],
            entry_id=row["entry_id"],
            candidates=tuple((str(e), float(s)) for e, s in json.loads(row["candidates"])),
        )

    async def record_feedback(self, ref: int, vote: str, actor: str, at: datetime) -> None:
        """Record 👍 ("up") or 👎 ("down") on an answer."""
        await self.execute(
            "INSERT INTO events (answer_id, kind, actor, at, text) VALUES (?, 'feedback', ?, ?, ?)",
            (ref, actor, to_text(at), vote),
        )

    async def feedback_counts(self) -> dict[str, int]:
        """👍/👎 votes: those stored with their answers plus those kept when purged."""
        rows = await self.rows(
            "SELECT vote, SUM(n) AS n FROM ("
            " SELECT text AS vote, COUNT(*) AS n FROM events WHERE kind = 'feedback' GROUP BY text"
            " UNION ALL SELECT vote, count AS n FROM vote_totals"
            ") AS votes GROUP BY vote"
        )
        return {row["vote"]: int(row["n"]) for row in rows}
