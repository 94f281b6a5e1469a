"""The knowledge-base loader: broken files are refused with every error's file, entry and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.kb.intents import load_intents
from bot.kb.loader import load_knowledge
from bot.yamlio import DataError

CATEGORIES = """\
categories:
  - id: talent
    title: 人才
    title_en: Talent
"""

QUESTIONS = "[楼小二是谁, 楼小二干啥的, 楼小二, 楼小儿, 啷个找楼小二, who is louxiaoer]"


def entry(entry_id: str = "louxiaoer", **overrides: str) -> str:
    fields = {
        "id": entry_id,
        "title": "楼小二",
        "category": "talent",
        "audience": "enterprise",
        "questions": QUESTIONS,
        "answer": "楼小二是党建指导员。",
        "source": "[{file: 001.txt, quote: 选派36名党建指导员担任“楼小二”}]",
    }
    fields.update(overrides)
    body = "\n".join(f"    {k}: {v}" for k, v in fields.items() if v != "<omit>")
    return "  - " + body.lstrip() + "\n"


def write_kb(tmp_path: Path, files: dict[str, str]) -> Path:
    kb = tmp_path / "knowledge"
    kb.mkdir()
    (kb / "categories.yaml").write_text(CATEGORIES, encoding="utf-8")
    for name, text in files.items():
        (kb / name).write_text(text, encoding="utf-8")
    return kb


def problems_of(kb_dir: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        load_knowledge(kb_dir)
    return [str(p) for p in info.value.problems]


def test_a_good_file_loads(tmp_path: Path) -> None:
    """A well-formed file loads into frozen entries with their file and line."""
    kb = load_knowledge(write_kb(tmp_path, {"a.yaml": "entries:\n" + entry()}))
    (only,) = kb.entries
    assert (only.id, only.file, only.line) == ("louxiaoer", "knowledge/a.yaml", 2)
    assert len(only.questions) == 6
    assert kb.summary().startswith("2 files, 1 entries, 6 questions (talent 1)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "entries:\n  - id: a\n    title: [unclosed\n",
            "knowledge/bad.yaml:4: YAML syntax error",
            id="bad-yaml-syntax",
        ),
        pytest.param(
            "entries:\n" + entry(answer="<omit>"),
            "knowledge/bad.yaml:2: entry 'louxiaoer': missing required field 'answer'",
            id="missing-field",
        ),
        pytest.param(
            "entries:\n" + entry(questions="楼小二是谁"),
            "knowledge/bad.yaml:6: entry 'louxiaoer': field 'questions' must be a list, not text",
            id="wrong-type",
        ),
        pytest.param(
            "entries:\n" + entry() + entry(questions="[a1, a2, a3, a4, a5, a6]"),
            "knowledge/bad.yaml:9: entry 'louxiaoer': duplicate id (also at knowledge/bad.yaml:2)",
            id="duplicate-id",
        ),
        pytest.param(
            "entries:\n" + entry(related="[no-such-entry]"),
            "knowledge/bad.yaml:2: entry 'louxiaoer': related id 'no-such-entry' does not exist",
            id="dangling-reference",
        ),
        pytest.param(
            "entries:\n" + entry() + entry("other", questions="[楼小二是谁？, b2, b3, b4, b5, b6]"),
            "knowledge/bad.yaml:9: entry 'other': question '楼小二是谁？' is also under entry "
            "'louxiaoer'",
            id="duplicate-question",
        ),
        pytest.param(
            "entries:\n" + entry(answer="''"),
            "knowledge/bad.yaml:7: entry 'louxiaoer': field 'answer' is empty",
            id="empty-answer",
        ),
        pytest.param(
            "entries:\n" + entry(category="nowhere"),
            "knowledge/bad.yaml:2: entry 'louxiaoer': unknown category 'nowhere'",
            id="unknown-category",
        ),
        pytest.param(
            "entries:\n" + entry(answer="请拨打023-63891234咨询"),
            "knowledge/bad.yaml:7: entry 'louxiaoer': answer contains a phone number",
            id="invented-phone",
        ),
        pytest.param(
            "entries:\n" + entry(answer="详见 www.cq.gov.cn"),
            "knowledge/bad.yaml:7: entry 'louxiaoer': answer contains a URL",
            id="invented-url",
        ),
        pytest.param(
            "entries:\n" + entry(questions="[a, b]"),
            "knowledge/bad.yaml:6: entry 'louxiaoer': needs at least 6 questions, has 2",
            id="too-few-questions",
        ),
        pytest.param(
            "entries:\n" + entry(questions="[/tongban 是啥, b2, b3, b4, b5, b6]"),
            "knowledge/bad.yaml:6: entry 'louxiaoer': question '/tongban 是啥' starts with '/'",
            id="question-is-a-command",
        ),
        pytest.param(
            "entries:\n" + entry(audience="everyone"),
            "knowledge/bad.yaml:5: entry 'louxiaoer': field 'audience' is 'everyone'",
            id="bad-choice",
        ),
        pytest.param(
            "entries:\n" + entry(colour="red"),
            "knowledge/bad.yaml:9: entry 'louxiaoer': unknown field 'colour'",
            id="unknown-field",
        ),
        pytest.param(
            "entries:\n  - id: a\n    id: b\n",
            "knowledge/bad.yaml:3: YAML syntax error",
            id="duplicate-key",
        ),
    ],
)
def test_broken_file_is_reported_with_file_and_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    """Each kind of mistake is named with the file, the entry and the line it is on."""
    problems = problems_of(write_kb(tmp_path, {"bad.yaml": text}))
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    """Problems in several files and entries are all listed, and nothing half-loads."""
    files = {
        "a.yaml": "entries:\n" + entry(answer="<omit>"),
        "b.yaml": "entries:\n"
        + entry("second", questions="[x1, x2, x3, x4, x5, x6]", title="<omit>"),
        "c.yaml": "entries: [oops\n",
    }
    problems = problems_of(write_kb(tmp_path, files))
    assert len(problems) == 3
    assert [p.split(":")[0] for p in problems] == [
        "knowledge/a.yaml",
        "knowledge/b.yaml",
        "knowledge/c.yaml",
    ]


def test_lexicon_problems_are_located(tmp_path: Path) -> None:
    """A lexicon synonym mapped to nothing is reported with its line."""
    lexicon = "synonyms:\n  啷个: 怎么\n  人材: ''\nfillers: [请问]\n"
    problems = problems_of(
        write_kb(tmp_path, {"lexicon.yaml": lexicon, "a.yaml": "entries:\n" + entry()})
    )
    assert problems == ["knowledge/lexicon.yaml:3: synonym '人材' must map to non-empty text"]


def test_lexicon_scope_terms_are_loaded_and_checked(tmp_path: Path) -> None:
    """`places` and `subjects` are lists of words; anything else is reported with its line."""
    lexicon = "places: [巴南, 江北]\nsubjects: [社保]\n"
    kb = load_knowledge(
        write_kb(tmp_path, {"lexicon.yaml": lexicon, "a.yaml": "entries:\n" + entry()})
    )
    assert (kb.lexicon.places, kb.lexicon.subjects) == (("巴南", "江北"), ("社保",))
    broken = "places: [巴南]\nsubjects: 社保\n"
    (tmp_path / "broken").mkdir()
    problems = problems_of(
        write_kb(tmp_path / "broken", {"lexicon.yaml": broken, "a.yaml": "entries:\n" + entry()})
    )
    assert len(problems) == 1
    assert problems[0].startswith("knowledge/lexicon.yaml:2: ")
    assert "subjects" in problems[0]


def test_a_scope_term_inside_another_or_listed_twice_is_reported(tmp_path: Path) -> None:
    """江北 and 江北区 together would make 江北区 stricter than 江北; each problem has its line."""
    lexicon = "places:\n  - 江北\n  - 江北区\nsubjects:\n  - 社保\n  - 社保\n"
    problems = problems_of(
        write_kb(tmp_path, {"lexicon.yaml": lexicon, "a.yaml": "entries:\n" + entry()})
    )
    assert problems == [
        "knowledge/lexicon.yaml:3: scope term '江北区' contains '江北'; keep one",
        "knowledge/lexicon.yaml:6: scope term '社保' is already listed (line 5)",
    ]


def test_intent_files_are_checked(tmp_path: Path) -> None:
    """Intent files get the same treatment: unknown intents and missing replies are located."""
    folder = tmp_path / "intents"
    folder.mkdir()
    (folder / "x.yaml").write_text(
        textwrap.dedent(
            """\
            intents:
              - id: greeting
                examples: [你好]
                reply: 您好
              - id: dance
                examples: [跳舞]
                reply: 不会
                reply_en: no
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(DataError) as info:
        load_intents(folder)
    messages = [str(p) for p in info.value.problems]
    assert "intents/x.yaml:2: entry 'greeting': missing required field 'reply_en'" in messages
    assert any(
        m.startswith("intents/x.yaml:5: entry 'dance': unknown intent 'dance'") for m in messages
    )
    assert (
        "intents/x.yaml:8: entry 'dance': field 'reply_en' must be text, not true/false" in messages
    )
    assert any("intent 'thanks' is not defined" in m for m in messages)
