"""Conversational intents (greeting, thanks, help …): loaded from `intents/*.yaml` and checked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.kb.model import question_key
from bot.yamlio import DataError, Fields, Problem, load_yaml, top_list

# The engine gives each of these its own behaviour; the YAML supplies examples and replies.
INTENT_NAMES = (
    "greeting",
    "thanks",
    "goodbye",
    "help",
    "human",
    "ticket_status",
    "cancel",
    "menu",
)


@dataclass(frozen=True)
class Intent:
    id: str
    examples: tuple[str, ...]
    reply: str
    reply_en: str
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class IntentSet:
    intents: tuple[Intent, ...]
    files: tuple[str, ...]

    def get(self, name: str) -> Intent:
        for intent in self.intents:
            if intent.id == name:
                return intent
        raise KeyError(name)


def load_intents(intents_dir: Path) -> IntentSet:
    """Load every `*.yaml` in `intents_dir`; raise DataError listing every problem."""
    problems: list[Problem] = []
    intents: list[Intent] = []
    paths = sorted(intents_dir.glob("*.yaml"))
    for path in paths:
        display = f"{path.parent.name}/{path.name}"
        try:
            data = load_yaml(path, display)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        intents.extend(_parse(data, display, problems))
    problems.extend(_cross_check(intents, str(intents_dir)))
    if problems:
        raise DataError(sorted(problems, key=lambda p: (p.file, p.line)))
    return IntentSet(tuple(intents), tuple(f"{p.parent.name}/{p.name}" for p in paths))


def _parse(data: Any, display: str, problems: list[Problem]) -> list[Intent]:
    intents: list[Intent] = []
    for item in top_list(data, "intents", display, problems):
        before = len(problems)
        f = Fields(item, display, problems)
        f.entry_id = f.text("id")
        f.unknown({"id", "examples", "reply", "reply_en"})
        if f.entry_id is not None and f.entry_id not in INTENT_NAMES:
            f.problem(
                "id", f"unknown intent {f.entry_id!r}; expected one of {', '.join(INTENT_NAMES)}"
            )
        intent = Intent(
            id=f.entry_id or "",
            examples=tuple(text for text, _ in f.text_list("examples")),
            reply=f.text("reply") or "",
            reply_en=f.text("reply_en") or "",
            file=display,
            line=item.line,
        )
        if len(problems) == before:
            intents.append(intent)
    return intents


def _cross_check(intents: list[Intent], folder: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, Intent] = {}
    owners: dict[str, str] = {}
    for intent in intents:
        if intent.id in seen:
            problems.append(Problem(intent.file, intent.line, "duplicate intent id", intent.id))
        seen.setdefault(intent.id, intent)
        for example in intent.examples:
            owner = owners.setdefault(question_key(example), intent.id)
            if owner != intent.id:
                problems.append(
                    Problem(
                        intent.file,
                        intent.line,
                        f"example {example!r} is also under intent {owner!r}",
                        intent.id,
                    )
                )
    for name in INTENT_NAMES:
        if name not in seen:
            problems.append(Problem(folder, 0, f"intent {name!r} is not defined"))
    return problems
