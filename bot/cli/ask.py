"""`python -m bot ask [QUESTION]`: show what the assistant would reply, without saving anything.

With a QUESTION it answers that one; without, it reads one question per line on stdin. Each
question goes through the dialogue engine as the first message of a new resident's chat, on a
throwaway database (`bot.dialogue.preview`), so the text is exactly what that resident would
receive; a ticket gets a number from the throwaway database. `--lang en` plays a resident whose
Telegram client is in English.

`--json` writes one JSON object per line, in order and flushed, for scripts:
{"question", "outcome", "intent", "entry_id", "entries", "score", "text", "ticket",
"candidates": [{"entry_id", "score"} … top 3]}. `outcome` is the matcher's decision (answer,
clarify, confirm, intent or ticket; `command` for a /command, which is not matched; `entry_id` is
the entry answered or proposed); `entries`
lists every entry answered (two when the message asked two things); `text` is every reply the
resident receives, a blank line apart; `ticket` the number of a ticket filed, or null.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from bot.config import Settings
from bot.dialogue.preview import Previewed, preview
from bot.helpdesk.deadlines import load_rules
from bot.matching.matcher import Matcher, load_matcher
from bot.yamlio import DataError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", nargs="*", help="the question (default: one per line on stdin)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--lang", default=None, help="the resident's client language, e.g. en (default: none)"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        matcher = load_matcher(settings.kb_dir, settings.intents_dir)
        load_rules(settings)  # the holiday and time-limit files, checked before the engine
    except DataError as exc:
        print(f"ask: {exc}", file=sys.stderr)
        return 2
    questions = [" ".join(args.question)] if args.question else _lines(sys.stdin)
    try:
        asyncio.run(_ask_all(matcher, settings, questions, args))
    except BrokenPipeError:  # `ask … | head`: the reader has gone; stop quietly
        sys.stderr.close()
    return 0


async def _ask_all(
    matcher: Matcher, settings: Settings, questions: Iterable[str], args: argparse.Namespace
) -> None:
    async with preview(matcher, settings, client_language=args.lang) as session:
        for question in questions:
            asked = await session.ask(question)
            if args.json:
                print(json.dumps(as_json(asked), ensure_ascii=False), flush=True)
            else:
                show(asked, sys.stdout)


def _lines(stream: TextIO) -> Iterator[str]:
    for line in stream:
        if line.strip():
            yield line.rstrip("\n")


def as_json(asked: Previewed) -> dict[str, Any]:
    """The machine form of one question (the `--json` line)."""
    decision = asked.decision
    if decision is None:  # a command
        return {
            "question": asked.question,
            "outcome": "command",
            "intent": None,
            "entry_id": None,
            "entries": [],
            "score": None,
            "text": asked.text,
            "ticket": asked.outcome.ticket_number,
            "candidates": [],
        }
    return {
        "question": asked.question,
        "outcome": decision.outcome,
        "intent": decision.intent,
        "entry_id": decision.entry_id,
        "entries": list(decision.entries),
        "score": round(decision.score, 1),
        "text": asked.text,
        "ticket": asked.outcome.ticket_number,
        "candidates": [
            {"entry_id": c.entry_id, "score": round(c.score, 1)} for c in decision.candidates[:3]
        ],
    }


def show(asked: Previewed, out: TextIO) -> None:
    """The person form: the question, what the matcher decided, and the replies."""
    decision = asked.decision
    print(f"> {asked.question}", file=out)
    if decision is None:
        print("[command]", file=out)
    else:
        what = decision.entry_id or decision.intent or ("rephrase" if decision.gibberish else "")
        print(
            f"[{decision.outcome} {what} {decision.score:.0f}] {decision.reason}".rstrip(), file=out
        )
    print(asked.text, file=out)
    print(file=out, flush=True)
