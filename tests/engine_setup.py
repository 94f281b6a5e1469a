"""A real engine on a real store (the test's backend: conftest's `store`), for the engine and
terminal tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from bot.config import Settings
from bot.dialogue.engine import Engine
from bot.kb.intents import IntentSet
from bot.kb.model import KnowledgeBase
from bot.matching.matcher import Matcher, load_matcher
from bot.messages import Choice, Outcome
from bot.store.backend import Store
from tests.factories import ENGINE_STAFF_CHAT_ID, ENGINE_STAFF_ID

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@cache
def knowledge() -> tuple[KnowledgeBase, IntentSet, Matcher]:
    settings = Settings()
    matcher = load_matcher(settings.kb_dir, settings.intents_dir)
    return matcher.kb, matcher.intents, matcher


def engine_settings(**changes: object) -> Settings:
    base: dict[str, object] = {
        "staff_user_ids": frozenset({ENGINE_STAFF_ID}),
        "staff_chat_id": ENGINE_STAFF_CHAT_ID,
    }
    return Settings(**{**base, **changes})  # type: ignore[arg-type]


@dataclass
class Clock:
    """A clock tests move by hand."""

    now: datetime = T0
    ticks: Iterator[int] = field(default_factory=lambda: iter(range(10**9)))

    def __call__(self) -> datetime:
        # One second per call, so events in one test keep their order.
        return self.now + timedelta(seconds=next(self.ticks))


def make_engine(store: Store, clock: Clock, **settings: object) -> Engine:
    _, _, matcher = knowledge()
    return Engine(store, matcher, engine_settings(**settings), clock)


def buttons(outcome: Outcome) -> list[Choice]:
    return [choice for reply in outcome.replies for row in reply.choices for choice in row]


def data(outcome: Outcome) -> list[str]:
    return [choice.data for choice in buttons(outcome)]


def text(outcome: Outcome) -> str:
    return "\n".join(reply.text for reply in outcome.replies)
