"""Every word a resident or staff member reads in a chat is in `bot/words.py`, both languages
side by side, so translation and review happen in one room."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.matching.normalize import is_english_text

BOT = Path(__file__).resolve().parent.parent / "bot"
# The packages whose modules produce what people read in a chat.
SPEAKING = ("dialogue", "helpdesk", "transport")
# Words people type that the code recognises (input vocabulary, not something said), by module.
INPUT_VOCABULARY = {
    "dialogue/tongban.py": {"TYPED"},
    "helpdesk/queues.py": {"QUEUES"},
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _modules() -> list[Path]:
    return sorted(p for package in SPEAKING for p in (BOT / package).rglob("*.py"))


def _said_in_chinese(source: str, module: str) -> list[str]:
    """String literals written mainly in Chinese, other than docstrings, regular expressions
    (what people type) and the module's input vocabulary."""
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skipped.add(id(first.value))
        is_regex = (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "compile"
        )
        vocabulary = INPUT_VOCABULARY.get(module, set())
        is_vocabulary = isinstance(node, ast.Assign | ast.AnnAssign) and any(
            isinstance(t, ast.Name) and t.id in vocabulary
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
        if is_regex or is_vocabulary:
            skipped.update(id(inner) for inner in ast.walk(node))
    return [
        f"line {node.lineno}: {node.value[:40]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and CHINESE.search(node.value)
        and not is_english_text(node.value)
    ]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(BOT)))
def test_words_people_read_are_in_words_py(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert _said_in_chinese(source, str(path.relative_to(BOT))) == [], "move into bot/words.py"


def test_the_check_finds_a_chinese_literal() -> None:
    """The scan itself: a reply written in a module is caught; a regex, a docstring, input
    vocabulary and an English operator message naming a Chinese term are not."""
    source = (
        '"""文档。"""\n'
        "import re\n"
        'X = re.compile("吗|呢")\n'
        'TYPED = {"yz": ("渝中", "大坪")}\n'
        'ERROR = "add the 调休 working days to the holiday file"\n'
        "def f() -> str:\n"
        '    return "您好"\n'
    )
    assert _said_in_chinese(source, "dialogue/tongban.py") == ["line 7: '您好'"]


@pytest.mark.parametrize(
    "path",
    sorted(p for p in BOT.rglob("*.py") if p.name != "words.py"),
    ids=lambda p: str(p.relative_to(BOT)),
)
def test_only_words_py_pairs_chinese_and_english(path: Path) -> None:
    """`pick(language, zh, en)` is how a text is written in both languages: only in words.py."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "pick")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "pick")
        )
    ]
    assert calls == []
