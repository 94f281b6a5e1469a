"""`python -m bot ask [QUESTION]`: show what the assistant would reply, without saving anything.

With a QUESTION it answers that one; without, it reads one question per line on stdin. `--json`
writes one JSON object per line, in order and flushed, for scripts:
{"question", "outcome", "intent", "entry_id", "entries", "score", "text", "candidates":
[{"entry_id", "score"} … top 3]}. `outcome` is answer, clarify, confirm (`entry_id` is the entry
it proposes), intent or ticket; `entries` lists every entry answered (two when the message asked
two things, their replies joined in `text`). The text is built by `bot.replies`, exactly as the
engine shows it (a ticket is shown without a number, since `ask` never opens the database).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from bot.cli.scoring import reply_text
from bot.config import Settings
from bot.kb.intents import load_intents
from bot.kb.loader import load_knowledge
from bot.matching.decision import Decision
from bot.matching.matcher import Matcher
from bot.yamlio import DataError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", nargs="*", help="the question (default: one per line on stdin)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        kb = load_knowledge(settings.kb_dir)
        intents = load_intents(settings.intents_dir)
    except DataError as exc:
        print(f"ask: {exc}", file=sys.stderr)
        return 2
    matcher = Matcher(kb, intents)
    questions = [" ".join(args.question)] if args.question else _lines(sys.stdin)
    for question in questions:
        decision = matcher.decide(question)
        if args.json:
            print(json.dumps(as_json(question, decision, matcher), ensure_ascii=False), flush=True)
        else:
            show(question, decision, matcher, sys.stdout)
    return 0


def _lines(stream: TextIO) -> Any:
    for line in stream:
        if line.strip():
            yield line.rstrip("\n")


def as_json(question: str, decision: Decision, matcher: Matcher) -> dict[str, Any]:
    """The machine form of one decision (the `--json` line)."""
    return {
        "question": question,
        "outcome": decision.outcome,
        "intent": decision.intent,
        "entry_id": decision.entry_id,
        "entries": list(decision.entries),
        "score": round(decision.score, 1),
        "text": reply_text(decision, matcher.kb, matcher.intents),
        "candidates": [
            {"entry_id": c.entry_id, "score": round(c.score, 1)} for c in decision.candidates[:3]
        ],
    }


def show(question: str, decision: Decision, matcher: Matcher, out: TextIO) -> None:
    """The person form: the question, what happens, and the reply."""
    what = decision.entry_id or decision.intent or ("rephrase" if decision.gibberish else "")
    print(f"> {question}", file=out)
    print(f"[{decision.outcome} {what} {decision.score:.0f}] {decision.reason}".rstrip(), file=out)
    print(reply_text(decision, matcher.kb, matcher.intents), file=out)
    print(file=out, flush=True)
