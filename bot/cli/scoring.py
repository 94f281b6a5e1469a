"""Scoring the matcher: evaluation cases (the `../shared/eval/dev.yaml` format); leave-one-out
is `bot.matching.holdout`.

A case passes or fails on the replies a resident receives: each case is asked through the dialogue
engine as the first message of a fresh chat (`bot.dialogue.preview`), as `ask` does. Keyword checks
fold width, case, spaces and punctuation. An English question gets the English answer; a Chinese
keyword on an English question is also looked for in the entry's Chinese answer, which is the same
answer in its source language.

Counting: an in-scope case passes only when answered with the right entry's text (a clarify is
not an answer; with `ticket_ok` a deferral — ticket or clarify — also passes). An out-of-scope
case passes when nothing from the knowledge base is asserted: ticket, rephrase or clarify (the
clarify prompt offers "none of these", which files the ticket). A wrong answer is a
knowledge-base answer given where the case wanted a different one, or none.

A confirm ("您是想问「…」吗？") is neither an answer nor a deferral: it passes no case and is
never wrong; `eval` counts it apart. A message asking two things is answered with the parts'
replies; with `also_ticket` one of its parts must also become a ticket (the engine filed one).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.dialogue.preview import Preview, Previewed
from bot.kb.model import KnowledgeBase, question_key
from bot.matching.decision import Decision
from bot.words import answer_text

EVAL_NOTE = (
    "Keywords are checked against the reply the user sees; for an English question a Chinese "
    "keyword may also match the entry's Chinese answer (the same answer in its source language)."
)


class EvalFileError(ValueError):
    """Raised when an evaluation file is not in the expected format."""


@dataclass(frozen=True)
class Case:
    question: str
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    defer: bool = False
    intent: str | None = None
    ticket_ok: bool = False
    also_ticket: bool = False  # a message asking two things, one of which must become a ticket
    topic: int | None = None
    message_kind: str = ""  # the case's `kind:` (long, voice, english …), for figures by kind
    where: str = ""  # file:number, for failure lines

    @property
    def kind(self) -> str:
        if self.intent:
            return "intent"
        return "out" if self.defer else "in"


@dataclass(frozen=True)
class Result:
    case: Case
    decision: Decision
    text: str
    passed: bool
    wrong: bool  # answered from the knowledge base, but not what the case wanted
    right_confirm: bool = False  # a confirm proposing an entry whose answer the case wanted


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    def of(self, kind: str) -> list[Result]:
        return [r for r in self.results if r.case.kind == kind]

    def rate(self, kind: str) -> float:
        chosen = self.of(kind)
        return 100 * sum(r.passed for r in chosen) / len(chosen) if chosen else 100.0

    @property
    def wrong_rate(self) -> float:
        return 100 * sum(r.wrong for r in self.results) / len(self.results) if self.results else 0

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if not r.passed]


def load_cases(path: Path) -> list[Case]:
    """Read one evaluation file; raise EvalFileError naming the file and case on a bad one."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise EvalFileError(f"{path}: expected a mapping with a 'cases' list")
    cases = []
    for number, item in enumerate(data["cases"], 1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise EvalFileError(f"{path}: case {number} needs a text field 'q'")
        cases.append(_case(item, f"{path.name}#{number}"))
        if not (cases[-1].any or cases[-1].all or cases[-1].defer or cases[-1].intent):
            raise EvalFileError(f"{path}: case {number} needs any, all, defer or intent")
    return cases


def _case(item: dict[str, Any], where: str) -> Case:
    return Case(
        question=item["q"],
        any=tuple(str(k) for k in item.get("any", ())),
        all=tuple(str(k) for k in item.get("all", ())),
        defer=bool(item.get("defer", False)),
        intent=item.get("intent"),
        ticket_ok=bool(item.get("ticket_ok", False)),
        also_ticket=bool(item.get("also_ticket", False)),
        topic=item.get("topic"),
        message_kind=str(item.get("kind", "")),
        where=where,
    )


def _fold(text: str) -> str:
    return question_key(text)


def keywords_found(case: Case, texts: Iterable[str]) -> bool:
    folded = [_fold(t) for t in texts]

    def seen(keyword: str) -> bool:
        return any(_fold(keyword) in t for t in folded)

    if case.all and not all(seen(k) for k in case.all):
        return False
    return not case.any or any(seen(k) for k in case.any)


def score(case: Case, asked: Previewed, kb: KnowledgeBase) -> Result:
    """Score one case on what the resident received (`asked.text`, from the engine) and what
    the matcher decided (`asked.decision`)."""
    decision = asked.decision
    if decision is None:
        raise EvalFileError(f"{case.where}: a command is not a question: {case.question!r}")
    text = asked.text
    answered = decision.outcome == "answer"
    deferred = decision.outcome in ("ticket", "clarify")
    if case.intent:
        passed = decision.outcome == "intent" and decision.intent == case.intent
        passed = passed or (case.intent == "human" and decision.outcome == "ticket")
        return Result(case, decision, text, passed, wrong=answered)
    if case.defer:
        return Result(case, decision, text, deferred, wrong=answered)
    if decision.outcome == "confirm" and decision.entry_id:
        entry = kb.entry(decision.entry_id)
        proposed = keywords_found(case, [answer_text(entry, decision.language), entry.answer])
        return Result(case, decision, text, passed=False, wrong=False, right_confirm=proposed)
    texts = [text]
    if decision.language == "en":
        texts.extend(kb.entry(e).answer for e in decision.entries)
    right = answered and keywords_found(case, texts)
    filed = asked.outcome.ticket_number is not None
    passed = (right and (filed or not case.also_ticket)) or (case.ticket_ok and deferred)
    # Of several questions, one may be answered and another filed: wrong only if an answer
    # holds none of the case's keywords.
    loose = dataclasses.replace(case, any=case.any + case.all, all=())
    wrong = answered and not right
    if decision.parts and wrong:
        wrong = not all(
            keywords_found(loose, _answers(kb, part.entry_id, decision.language))
            for part in decision.parts
            if part.outcome == "answer" and part.entry_id
        )
    return Result(case, decision, text, passed, wrong=wrong)


def _answers(kb: KnowledgeBase, entry_id: str, language: str) -> list[str]:
    entry = kb.entry(entry_id)
    return [answer_text(entry, language), entry.answer]


async def evaluate(cases: Iterable[Case], session: Preview, kb: KnowledgeBase) -> Report:
    """Ask every case through the dialogue (`bot.dialogue.preview`) and score the replies."""
    return Report([score(case, await session.ask(case.question), kb) for case in cases])
