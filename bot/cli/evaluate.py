"""`python -m bot eval FILE…`: score the matcher on evaluation files and on leave-one-out.

Prints in-scope accuracy, out-of-scope deferral, intent accuracy, wrong answers, the clarify count,
leave-one-out (plain, and with each question's near-duplicates held out too), every failing case
(`FAIL file#n …`) and every leave-one-out miss (`LOO` / `LOO-NEAR entry: question → outcome`), and
a last line `N passed, M failed` over the files' cases. With the `--min-*` / `--max-wrong` gates it
exits 1 when a figure is outside its gate (CI and the tests use them); a malformed file exits 2.
How cases count: `bot.cli.scoring`; every case is asked through the dialogue engine on a throwaway
database, as `ask` does."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.cli.scoring import (
    EVAL_NOTE,
    Case,
    EvalFileError,
    Report,
    evaluate,
    load_cases,
)
from bot.config import Settings
from bot.dialogue.preview import preview
from bot.matching.holdout import NEAR_DUPLICATE, LeaveOneOut, leave_one_out
from bot.matching.matcher import Matcher, load_matcher
from bot.yamlio import DataError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="evaluation YAML")
    parser.add_argument("--no-loo", action="store_true", help="skip leave-one-out")
    parser.add_argument("--quiet", action="store_true", help="do not list every failure")
    for name, what in (
        ("min-accuracy", "in-scope accuracy"),
        ("min-deferral", "out-of-scope deferral"),
        ("min-intent", "intent accuracy"),
        ("min-loo", "leave-one-out"),
        ("min-loo-near", "leave-one-out with near-duplicates held out too"),
    ):
        parser.add_argument(f"--{name}", type=float, metavar="PCT", help=f"gate: lowest {what}")
    parser.add_argument("--max-wrong", type=float, metavar="PCT", help="gate: most wrong answers")


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        matcher = load_matcher(settings.kb_dir, settings.intents_dir)
        cases = [c for path in args.files for c in load_cases(path)]
        report = asyncio.run(_evaluate(cases, matcher, settings))
    except (DataError, EvalFileError, OSError) as exc:
        print(f"eval: {exc}", file=sys.stderr)
        return 2
    kb, intents = matcher.kb, matcher.intents
    loo = near = None
    if not args.no_loo:
        loo = leave_one_out(kb, intents)
        near = leave_one_out(kb, intents, near=NEAR_DUPLICATE)
    print(f"# {EVAL_NOTE}")
    print(f"# knowledge base: {kb.summary()}")
    print(f"# files: {', '.join(str(p) for p in args.files)}")
    print_figures(report, loo, near)
    if not args.quiet:
        print_failures(report, loo, near)
    failed = len(report.failures)
    print(f"{len(report.results) - failed} passed, {failed} failed")
    return 1 if breaches(args, report, loo, near) else 0


async def _evaluate(cases: list[Case], matcher: Matcher, settings: Settings) -> Report:
    async with preview(matcher, settings) as session:
        return await evaluate(cases, session, matcher.kb)


def print_figures(report: Report, loo: LeaveOneOut | None, near: LeaveOneOut | None = None) -> None:
    for kind, label in (
        ("in", "in-scope accuracy"),
        ("out", "out-of-scope deferral"),
        ("intent", "intent accuracy"),
    ):
        chosen = report.of(kind)
        passed = sum(r.passed for r in chosen)
        print(f"{label}: {report.rate(kind):.1f}% ({passed}/{len(chosen)})")
    wrong = sum(r.wrong for r in report.results)
    print(f"wrong answers: {report.wrong_rate:.1f}% of all cases ({wrong}/{len(report.results)})")
    clarify = [r for r in report.results if r.decision.outcome == "clarify"]
    out = sum(r.case.kind == "out" for r in clarify)
    print(f"clarify: {len(clarify)} ({out} of them on out-of-scope cases)")
    confirm = [r for r in report.results if r.decision.outcome == "confirm"]
    out = sum(r.case.kind == "out" for r in confirm)
    print(
        f"confirm: {len(confirm)} ({out} of them on out-of-scope cases, "
        f"{sum(r.right_confirm for r in confirm)} proposing the right entry)"
    )
    print_kinds(report)
    if loo is not None:
        print(
            f"leave-one-out: {loo.rate:.1f}% ({loo.found}/{loo.total}; "
            f"{loo.clarified} more offered as a clarify choice; "
            f"{loo.intents} questions an intent takes left out)"
        )
    if near is not None:
        print(
            f"leave-one-out, near-duplicates (ratio >= {near.near:.0f}) held out too: "
            f"{near.rate:.1f}% ({near.found}/{near.total}; "
            f"{near.clarified} more offered as a clarify choice)"
        )


def print_kinds(report: Report) -> None:
    """One line per kind of message (the cases' `kind:`), when the files give kinds."""
    kinds = sorted({r.case.message_kind for r in report.results if r.case.message_kind})
    for kind in kinds:
        chosen = [r for r in report.results if r.case.message_kind == kind]
        passed = sum(r.passed for r in chosen)
        wrong = sum(r.wrong for r in chosen)
        confirm = sum(r.decision.outcome == "confirm" for r in chosen)
        print(
            f"  kind {kind}: {passed}/{len(chosen)} passed ({100 * passed / len(chosen):.0f}%), "
            f"{wrong} wrong, {confirm} confirm"
        )


def print_failures(
    report: Report, loo: LeaveOneOut | None, near: LeaveOneOut | None = None
) -> None:
    for r in report.failures:
        d = r.decision
        got = d.entry_id or d.intent or ("rephrase" if d.gibberish else "")
        options = ",".join(f"{c.entry_id}:{c.score:.0f}" for c in d.candidates)
        wanted = r.case.intent or ("defer" if r.case.defer else "|".join(r.case.any + r.case.all))
        print(
            f"FAIL {r.case.where} [{r.case.kind}] {r.case.question!r}: "
            f"want {wanted}; got {d.outcome} {got} ({d.score:.0f}; {d.reason}) [{options}]"
        )
    if loo is not None:
        for entry_id, question, what in loo.misses:
            print(f"LOO {entry_id}: {question!r} → {what}")
    if near is not None:
        for entry_id, question, what in near.misses:
            print(f"LOO-NEAR {entry_id}: {question!r} → {what}")


def breaches(
    args: argparse.Namespace,
    report: Report,
    loo: LeaveOneOut | None,
    near: LeaveOneOut | None = None,
) -> list[str]:
    """The gates a figure falls outside of, each printed to stderr."""
    checks = [
        (args.min_accuracy, report.rate("in"), "in-scope accuracy", True),
        (args.min_deferral, report.rate("out"), "out-of-scope deferral", True),
        (args.min_intent, report.rate("intent"), "intent accuracy", True),
        (args.max_wrong, report.wrong_rate, "wrong answers", False),
        (args.min_loo, loo.rate if loo else None, "leave-one-out", True),
        (args.min_loo_near, near.rate if near else None, "leave-one-out (near-duplicates)", True),
    ]
    problems = []
    for gate, value, label, at_least in checks:
        if gate is None or value is None:
            continue
        if (value < gate) if at_least else (value > gate):
            problems.append(f"{label} {value:.1f}% is outside the gate {gate:.1f}%")
    for problem in problems:
        print(f"eval: {problem}", file=sys.stderr)
    return problems
