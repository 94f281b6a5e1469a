"""`python -m bot ask` and `python -m bot eval` on the shipped data, with the project's gates."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.kb.intents import load_intents
from bot.kb.loader import load_knowledge
from bot.paths import bundled_dir
from bot.words import answer_text, related_text, rephrase_text, ticket_text

ROOT = Path(__file__).resolve().parent.parent
EVAL_FILE = ROOT / "tests" / "data" / "eval.yaml"
SHARED_EVAL_FILE = ROOT.parent / "shared" / "eval" / "dev.yaml"
NO_ENV_FILE = ["--env-file", "/nonexistent/.env"]

# Gates sit just below what the matcher achieves (see BENCHMARKS.md, "Matching"), so a
# regression fails here. Measured on tests/data/eval.yaml on 2026-11-30: in-scope 95.5%, deferral
# 100%, intents 94.1%, wrong answers 0.7%; leave-one-out 97.2%, and 91.3% with each question's
# near-duplicate wordings held out too. (Before that day's near-miss work: 96.4%, 98.9%, 94.1%,
# 1.1%, 98.4% and 92.3%; the answer band was raised to cut wrong answers on near misses, which
# cost some recall. BENCHMARKS.md, "Near misses", has both sides of the trade.)
PROJECT_GATES = [
    "--min-accuracy=95",
    "--min-deferral=99",
    "--min-intent=93",
    "--max-wrong=1",
    "--min-loo=96.5",
    "--min-loo-near=90.5",
]
NEAR_MISS_FILE = ROOT / "tests" / "data" / "eval_near_misses.yaml"
# The hard near-miss set (200 cases): measured 83.7% in-scope, 86.1% deferral, 9.5% wrong answers.
NEAR_MISS_GATES = ["--min-accuracy=82", "--min-deferral=84", "--max-wrong=10.5"]
# The shared sample (38 cases) is answered without a failure.
SHARED_GATES = ["--min-accuracy=96", "--min-deferral=95", "--min-intent=95", "--max-wrong=2"]
SHARED_MESSY_FILE = ROOT.parent / "shared" / "eval" / "dev_messy.yaml"
# The shared sample of messages as people write them (9 cases, one or two of each kind).
SHARED_MESSY_GATES = ["--min-accuracy=100", "--min-deferral=100", "--min-intent=100"]
MESSY_FILE = ROOT / "tests" / "data" / "messy_tune.yaml"
# The messy tuning set (230 cases written blind from the reports: long messages, English, dialect,
# two questions in one, chat-style intents, hard out-of-scope near misses). It is what the
# matcher's message reading was tuned on, so it is a gate against regressions, not a measure of
# quality: BENCHMARKS.md, "Messages as people write them", has the blind set for that.
# Measured 2026-12-03 after the second round (branch matcher): 91.7% in-scope, 90.6% deferral,
# 100% intents, 2.6% wrong answers (first round: 90.4%, 88.7%, 95%, 3.9%).
MESSY_GATES = ["--min-accuracy=88", "--min-deferral=88", "--min-intent=95", "--max-wrong=4"]
MESSY_2_FILE = ROOT / "tests" / "data" / "messy_tune_2.yaml"
# A second, smaller tuning set (42 cases) written from the reports by the matcher's second round
# before it was first scored; not blind. Measured: 67.9% in-scope, 70% deferral, 100% intents,
# 14.3% wrong answers (main before the round: 67.9%, 60%, 75%, 19%).
MESSY_2_GATES = ["--min-accuracy=64", "--min-deferral=70", "--min-intent=100", "--max-wrong=15"]
# Blind sets no. 3 to 7 were scored once each (BENCHMARKS.md) and tuned on afterwards: from then
# on they guard against regressions like the tuning sets. Measured 2026-12-03 evening: no. 3
# 93.8% in-scope, 95% deferral, 100% intents, 2.1% wrong; no. 4 86.9%, 91.7%, 100%, 3.8%.
# Measured 2026-12-03 night, after tuning on them: no. 5 95.0%, 98.3%, 100%, 0.4%; no. 6 96.2%,
# 98.3%, 100%, 0.8%; no. 7 91.2%, 100%, 100%, 1.2%; no. 8 91.9%, 96.7%, 100%, 1.2%; no. 9 93.1%,
# 93.3%, 100%, 3.3%; no. 10 88.8%, 95.0%, 100%, 2.1%; no. 11 93.1%, 95.0%, 100%, 2.9%; no. 12
# 95.6%, 100%, 100%, 0.4%; no. 13 94.4%, 95.0%, 100%, 2.9%; no. 14 96.9%, 100%, 100%, 0%; no. 15
# 94.4%, 95.0%, 100%, 1.7%. Measured 2026-12-03 late night, after tuning on them: no. 16 95.6%,
# 100%, 100%, 0.4%; no. 17 91.2%, 98.3%, 100%, 1.7%. Measured 2026-12-04, after tuning on
# them: no. 18 93.8%, 98.3%, 100%, 1.7%; no. 19 91.9%, 98.3%, 100%, 0.4%.
USED_BLIND_GATES = {
    "messy_blind_3.yaml": ["--min-accuracy=92", "--min-deferral=93", "--max-wrong=3"],
    "messy_blind_4.yaml": ["--min-accuracy=85", "--min-deferral=90", "--max-wrong=4.5"],
    "messy_blind_5.yaml": ["--min-accuracy=94", "--min-deferral=96", "--max-wrong=1.5"],
    "messy_blind_6.yaml": ["--min-accuracy=95", "--min-deferral=96", "--max-wrong=1.5"],
    "messy_blind_7.yaml": ["--min-accuracy=89", "--min-deferral=98", "--max-wrong=2.5"],
    "messy_blind_8.yaml": ["--min-accuracy=91", "--min-deferral=95", "--max-wrong=2"],
    "messy_blind_9.yaml": ["--min-accuracy=92", "--min-deferral=93", "--max-wrong=4"],
    "messy_blind_10.yaml": ["--min-accuracy=88", "--min-deferral=93", "--max-wrong=2.5"],
    "messy_blind_11.yaml": ["--min-accuracy=92", "--min-deferral=93", "--max-wrong=3"],
    "messy_blind_12.yaml": ["--min-accuracy=94", "--min-deferral=98", "--max-wrong=1"],
    "messy_blind_13.yaml": ["--min-accuracy=93", "--min-deferral=93", "--max-wrong=3"],
    "messy_blind_14.yaml": ["--min-accuracy=96", "--min-deferral=98", "--max-wrong=0.5"],
    "messy_blind_15.yaml": ["--min-accuracy=93", "--min-deferral=93", "--max-wrong=2"],
    "messy_blind_16.yaml": ["--min-accuracy=95", "--min-deferral=98", "--max-wrong=1"],
    "messy_blind_17.yaml": ["--min-accuracy=90", "--min-deferral=98", "--max-wrong=2"],
    "messy_blind_18.yaml": ["--min-accuracy=93", "--min-deferral=98", "--max-wrong=2"],
    "messy_blind_19.yaml": ["--min-accuracy=91", "--min-deferral=98", "--max-wrong=0.5"],
}


QUESTIONS = [
    "你好，请问楼小二是做什么的",
    "",
    "公积金怎么提取",
    "asdfgh",
    "谢谢",
    "What is Yucaihui?",
]


@pytest.fixture(scope="module")
def ask_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One real `python -m bot ask --json` process, fed QUESTIONS on stdin, in an empty folder."""
    folder = tmp_path_factory.mktemp("ask")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'never.db'}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", *NO_ENV_FILE, "ask", "--json"],
        input="".join(f"{line}\n" for line in QUESTIONS),
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=folder,
    )
    return result, folder


@pytest.fixture(scope="module")
def rows(ask_run: tuple[subprocess.CompletedProcess[str], Path]) -> list[dict[str, Any]]:
    result, _ = ask_run
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_ask_json_writes_one_object_per_line_in_order(rows: list[dict[str, Any]]) -> None:
    """Each stdin line gives one JSON line with exactly the documented fields; blank lines skip."""
    assert [r["question"] for r in rows] == [q for q in QUESTIONS if q]
    assert all(
        set(r)
        == {
            "question",
            "outcome",
            "intent",
            "entry_id",
            "entries",
            "score",
            "text",
            "ticket",
            "candidates",
        }
        for r in rows
    )
    assert [r["outcome"] for r in rows] == ["answer", "ticket", "ticket", "intent", "answer"]
    assert [r["entry_id"] for r in rows] == ["louxiaoer", None, None, None, "yucaihui-platform"]
    assert [r["entries"] for r in rows] == [["louxiaoer"], [], [], [], ["yucaihui-platform"]]
    assert [r["intent"] for r in rows] == [None, None, None, "thanks", None]
    for row in rows:
        assert 0 <= row["score"] <= 100
        assert len(row["candidates"]) <= 3
        assert all(set(c) == {"entry_id", "score"} for c in row["candidates"])


def test_ask_json_keeps_chinese_readable(
    ask_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """ensure_ascii=False: the JSON carries 楼小二, not \\u697c."""
    assert "楼小二" in ask_run[0].stdout


def test_ask_text_is_exactly_what_the_engine_would_say(rows: list[dict[str, Any]]) -> None:
    """The text is the engine's: the answer, the ticket notice with its number, rephrase, the
    intent; in the language each message is written in."""
    kb = load_knowledge(bundled_dir("knowledge"))
    intents = load_intents(bundled_dir("intents"))
    assert rows[0]["text"] == answer_text(kb.entry("louxiaoer"), "zh")
    assert rows[1]["text"] == ticket_text(1, "zh")
    assert [r["ticket"] for r in rows] == [None, 1, None, None, None]
    assert rows[2]["text"] == rephrase_text("en")
    assert rows[3]["text"] == intents.get("thanks").reply
    assert rows[4]["text"] == answer_text(kb.entry("yucaihui-platform"), "en")


def test_ask_never_creates_the_database(
    ask_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, folder = ask_run
    assert list(folder.iterdir()) == []


def test_ask_without_json_prints_the_reply_for_a_person(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*NO_ENV_FILE, "ask", "楼小二是做什么的"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("> 楼小二是做什么的\n[answer louxiaoer ")
    assert "党建指导员" in out


def test_ask_shows_the_related_entries_a_ticket_offers(capsys: pytest.CaptureFixture[str]) -> None:
    """A near miss is a ticket; its text lists the entries offered as buttons, as the bot does."""
    assert main([*NO_ENV_FILE, "ask", "--json", "巴南区有没得老年食堂"]) == 0
    row = json.loads(capsys.readouterr().out)
    kb = load_knowledge(bundled_dir("knowledge"))
    related = [kb.entry(c["entry_id"]) for c in row["candidates"] if c["score"] >= 36][:2]
    assert row["outcome"] == "ticket"
    assert related[0].id == "jiangbei-elderly-meal-points"
    assert row["text"] == ticket_text(1, "zh") + related_text(related, "zh")


def _figures(out: str) -> dict[str, float]:
    return {
        m.group(1): float(m.group(2)) for m in re.finditer(r"^([a-z -]+): ([\d.]+)%", out, re.M)
    }


@pytest.mark.slow
def test_eval_meets_the_gates_on_the_project_set(capsys: pytest.CaptureFixture[str]) -> None:
    """The project's own evaluation set and leave-one-out stay at or above their gates."""
    code = main([*NO_ENV_FILE, "eval", str(EVAL_FILE), *PROJECT_GATES])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    figures = _figures(captured.out)
    assert set(figures) == {
        "in-scope accuracy",
        "out-of-scope deferral",
        "intent accuracy",
        "wrong answers",
        "leave-one-out",
    }
    assert re.search(r"^leave-one-out, near-duplicates .*: [\d.]+%", captured.out, re.M)
    assert re.search(r"^\d+ passed, \d+ failed$", captured.out.splitlines()[-1])


def test_eval_meets_the_gates_on_the_near_misses(capsys: pytest.CaptureFixture[str]) -> None:
    """Questions about another place, service or figure that share words with covered topics."""
    code = main([*NO_ENV_FILE, "eval", str(NEAR_MISS_FILE), "--no-loo", *NEAR_MISS_GATES])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err


@pytest.mark.skipif(not SHARED_EVAL_FILE.is_file(), reason="the shared sample is not present")
def test_eval_meets_the_gates_on_the_shared_sample(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*NO_ENV_FILE, "eval", str(SHARED_EVAL_FILE), "--no-loo", *SHARED_GATES])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err


@pytest.mark.skipif(not SHARED_MESSY_FILE.is_file(), reason="the shared sample is not present")
def test_eval_meets_the_gates_on_the_shared_messy_sample(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every kind of the shared sample of real messages passes (long, English, two questions …)."""
    args = ["eval", str(SHARED_MESSY_FILE), "--no-loo", *SHARED_MESSY_GATES]
    code = main([*NO_ENV_FILE, *args])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err


def test_eval_meets_the_gates_on_the_second_messy_tuning_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The second set of messages as people write them stays at or above its figures."""
    code = main([*NO_ENV_FILE, "eval", str(MESSY_2_FILE), "--no-loo", *MESSY_2_GATES])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err


@pytest.mark.parametrize("name", sorted(USED_BLIND_GATES))
def test_eval_meets_the_gates_on_the_blind_sets_tuned_on_since(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A blind set, once scored and then tuned on, stays at or above its figures."""
    path = ROOT / "tests" / "data" / name
    code = main(
        [*NO_ENV_FILE, "eval", str(path), "--no-loo", "--min-intent=95", *USED_BLIND_GATES[name]]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err


def test_eval_meets_the_gates_on_the_messy_tuning_set(capsys: pytest.CaptureFixture[str]) -> None:
    """Messages as people write them stay at or above the figures they were tuned to."""
    code = main([*NO_ENV_FILE, "eval", str(MESSY_FILE), "--no-loo", *MESSY_GATES])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    kinds = set(re.findall(r"^  kind (\w+):", captured.out, re.M))
    assert kinds == {"long", "english", "short", "dialect", "traditional", "voice", "multi"} | {
        "intent",
        "oos",
        "complaint",
    }


def test_eval_fails_when_a_gate_is_not_met(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A case the matcher cannot pass drops accuracy below a 100% gate: exit 1, reason on stderr."""
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n"
        '- {q: "楼小二是做什么的", any: [党建指导员]}\n'
        '- {q: "楼小二是做什么的", any: [a keyword no answer has]}\n'
        '- {q: "公积金怎么提取", defer: true}\n'
        '- {q: "谢谢", intent: thanks}\n',
        encoding="utf-8",
    )
    code = main([*NO_ENV_FILE, "eval", str(cases), "--no-loo", "--min-accuracy=100"])
    captured = capsys.readouterr()
    assert code == 1
    assert "in-scope accuracy: 50.0% (1/2)" in captured.out
    assert "wrong answers: 25.0% of all cases (1/4)" in captured.out
    assert "FAIL cases.yaml#2 [in] '楼小二是做什么的'" in captured.out
    assert captured.out.splitlines()[-1] == "3 passed, 1 failed"
    assert "in-scope accuracy 50.0% is outside the gate 100.0%" in captured.err


def test_eval_checks_cjk_keywords_of_english_questions_against_the_chinese_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The English reply keeps no Chinese; the same answer in Chinese carries the keyword."""
    cases = tmp_path / "cases.yaml"
    cases.write_text('cases:\n- {q: "What is Yucaihui?", any: [渝才荟]}\n', encoding="utf-8")
    assert main([*NO_ENV_FILE, "eval", str(cases), "--no-loo"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed"


def test_eval_rejects_a_malformed_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases:\n- {q: 楼小二}\n", encoding="utf-8")
    assert main([*NO_ENV_FILE, "eval", str(bad), "--no-loo"]) == 2
    assert "case 1 needs any, all, defer or intent" in capsys.readouterr().err
