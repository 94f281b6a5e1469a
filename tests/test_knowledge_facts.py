"""Every fact listed in tests/data/facts.yaml is answered by the shipped knowledge base.

The list holds the concrete facts of the five source reports that a resident or an enterprise
might ask about (a service, a programme, a place, a number, a date). Each is asked in words of
our own through the dialogue engine, exactly as `python -m bot eval` scores a case, and must be
answered (not a ticket, not a clarify) with a reply carrying its keywords. A fact marked
`pending` has no answering entry yet; it must still fail, so that the mark is removed once an
entry answers it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli.scoring import Case, Result, score
from bot.config import Settings
from bot.dialogue.preview import preview
from bot.kb.intents import load_intents
from bot.kb.loader import load_knowledge
from bot.matching.matcher import Matcher
from bot.paths import bundled_dir, default_seeds_dir

FACTS_FILE = Path(__file__).resolve().parent / "data" / "facts.yaml"
FACTS: list[dict[str, Any]] = yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))["facts"]


def _id(fact: dict[str, Any]) -> str:
    return str(fact["q"])[:40]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_knowledge(bundled_dir("knowledge")), load_intents(bundled_dir("intents")))


def _case(fact: dict[str, Any]) -> Case:
    return Case(question=fact["q"], all=tuple(str(k) for k in fact["all"]), where="facts.yaml")


@pytest.fixture(scope="module")
def results(matcher: Matcher) -> dict[str, Result]:
    """Every fact asked through the dialogue, as `eval` asks a case (one fresh chat each)."""

    async def ask_all() -> dict[str, Result]:
        async with preview(matcher, Settings()) as session:
            return {f["q"]: score(_case(f), await session.ask(f["q"]), matcher.kb) for f in FACTS}

    return asyncio.run(ask_all())


@pytest.mark.parametrize("fact", [f for f in FACTS if "pending" not in f], ids=_id)
def test_fact_is_answered(results: dict[str, Result], fact: dict[str, Any]) -> None:
    """The matcher answers the fact's question with an entry whose reply holds its keywords."""
    result = results[fact["q"]]
    decision = result.decision
    assert result.passed, (
        f"{fact['q']!r}: {decision.outcome} {decision.entry_id or ''} "
        f"(score {decision.score:.0f}); reply lacks {fact['all']} or is not an answer"
    )


def test_pending_facts_are_still_unanswered(results: dict[str, Result]) -> None:
    """A fact marked pending is not answered yet; when it is, remove the mark."""
    answered = [f["q"] for f in FACTS if "pending" in f and results[f["q"]].passed]
    assert answered == [], "answered now: remove `pending`"


def test_fact_questions_are_not_the_entries_own(matcher: Matcher) -> None:
    """No fact question is, after normalisation, one of the knowledge base's own questions:
    the test shows the matcher finds the fact, not that a string equals itself."""
    copied = [f["q"] for f in FACTS if matcher.normalize(f["q"]) in matcher.exact]
    assert copied == []


def test_fact_keywords_come_from_the_named_report() -> None:
    """Each fact's keywords appear in the seed report it names, so the list itself invents
    nothing (line breaks and spaces in the seed are ignored, as for entry quotes)."""
    seeds = default_seeds_dir()
    if seeds is None:
        pytest.skip("../shared/seeds is not beside this checkout")
    texts = {
        path.name[:3]: "".join(path.read_text(encoding="utf-8").split())
        for path in seeds.glob("*.txt")
    }
    missing = [
        (f["seed"], keyword)
        for f in FACTS
        for keyword in f["all"]
        if "".join(str(keyword).split()) not in "".join(texts[s] for s in _seeds(f))
    ]
    assert missing == []


def test_every_report_contributes_facts() -> None:
    """The list covers all five reports."""
    assert {s for f in FACTS for s in _seeds(f)} == {"000", "001", "002", "003", "004"}


def _seeds(fact: dict[str, Any]) -> list[str]:
    """The reports a fact names: one prefix, or a list where two reports each give part."""
    seed = fact["seed"]
    return [str(s) for s in seed] if isinstance(seed, list) else [str(seed)]
