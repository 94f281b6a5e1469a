"""Writing an approved change into the knowledge YAML with ruamel.yaml's round trip, so every
comment, quote style, block answer and blank line stays as it was: a new wording is one line
more under the entry's `questions`, a new entry is appended to its category's theme file."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.kb.model import KnowledgeBase, UnknownEntryError
from bot.learning.change import Change, ChangeError
from bot.learning.refusal import Refusal


def _yaml() -> YAML:
    """Round-trip YAML in the layout of the theme files (tested to reproduce them exactly)."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long question or answer line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def theme_file(kb: KnowledgeBase, category: str) -> str:
    """The file name (in the knowledge folder) holding most of the category's entries."""
    files = Counter(Path(e.file).name for e in kb.entries if e.category == category)
    if not files:
        raise ChangeError(Refusal("no_theme_file", category=category))
    return files.most_common(1)[0][0]


def target_file(kb_dir: Path, kb: KnowledgeBase, change: Change) -> Path:
    """The file a change is written into: the entry's own, or the category's theme file."""
    if change.kind == "wording":
        try:
            entry = kb.entry(change.entry_id)
        except UnknownEntryError:  # removed or renamed since the wording was proposed
            raise ChangeError(Refusal("entry_gone", entry=change.entry_id)) from None
        return kb_dir / Path(entry.file).name
    return kb_dir / theme_file(kb, change.category)


def apply_change(kb_dir: Path, kb: KnowledgeBase, change: Change) -> Path:
    """Write `change` into the YAML under `kb_dir` (whose knowledge is `kb`); return the file."""
    path = target_file(kb_dir, kb, change)
    if change.kind == "wording":
        _edit(path, lambda data: _add_questions(data, change, path))
    else:
        _edit(path, lambda data: _add_entry(data, change))
    return path


def _edit(path: Path, edit: Any) -> None:
    """Load, edit and write back one file; the new text replaces the old in one rename."""
    yaml = _yaml()
    data = yaml.load(path.read_text(encoding="utf-8"))
    edit(data)
    out = io.StringIO()
    yaml.dump(data, out)
    temporary = path.with_name(f".{path.name}.new")
    temporary.write_text(out.getvalue(), encoding="utf-8")
    temporary.replace(path)


def _add_questions(data: Any, change: Change, path: Path) -> None:
    for item in data["entries"]:
        if item.get("id") == change.entry_id:
            questions: CommentedSeq = item["questions"]
            for question in change.questions:
                if question not in questions:
                    questions.append(question)
            return
    raise ChangeError(Refusal("entry_not_in_file", entry=change.entry_id, detail=path.name))


def _add_entry(data: Any, change: Change) -> None:
    entries: CommentedSeq = data["entries"]
    mapping = CommentedMap()
    for key, value in change.entry_yaml().items():
        if key in ("answer", "answer_en") and "\n" in value:
            value = LiteralScalarString(value)
        elif key == "questions":
            value = CommentedSeq(value)
        elif key == "source":
            value = CommentedSeq(CommentedMap(s) for s in value)
        mapping[key] = value
    entries.append(mapping)
    # A blank line before the new entry, as between the others.
    entries.yaml_set_comment_before_after_key(len(entries) - 1, before="\n", indent=2)
