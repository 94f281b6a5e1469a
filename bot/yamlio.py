"""Safe YAML loading that remembers line numbers, so data errors can name file and line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a data file, located as precisely as we can."""

    file: str
    line: int
    message: str
    entry_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        who = f" entry {self.entry_id!r}:" if self.entry_id else ""
        return f"{where}:{who} {self.message}"


class DataError(Exception):
    """Raised when data files have problems; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class LineDict(dict[str, Any]):
    """A YAML mapping that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A YAML sequence that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader (no arbitrary objects) whose mappings and sequences carry line numbers."""


def _construct_map(loader: _LineLoader, node: MappingNode) -> Iterator[LineDict]:
    data = LineDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, ScalarNode):
            line = key_node.start_mark.line + 1
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key_node.value!r} (first at line {seen[key_node.value]})",
                    key_node.start_mark,
                )
            seen[key_node.value] = line
            data.key_lines[str(key_node.value)] = line
    data.update({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})


def _construct_seq(loader: _LineLoader, node: SequenceNode) -> Iterator[LineList]:
    data = LineList()
    data.line = node.start_mark.line + 1
    data.item_lines = [child.start_mark.line + 1 for child in node.value]
    yield data
    data.extend(loader.construct_sequence(node, deep=True))


def _construct_timestamp(loader: _LineLoader, node: ScalarNode) -> Any:
    """A date or time as PyYAML reads it; an impossible one (2027-02-30) is an error at its line
    (PyYAML raises a bare ValueError there, without a place)."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a real date or time ({exc})", node.start_mark
        ) from None


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load_yaml(path: Path, display: str) -> Any:
    """Parse one YAML file; a syntax error becomes a DataError naming `display` and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError([Problem(display, 1, f"not UTF-8 text ({exc.reason})")]) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise DataError([Problem(display, line, f"YAML syntax error: {reason}")]) from None
    except yaml.YAMLError as exc:
        raise DataError([Problem(display, 1, f"YAML error: {exc}")]) from None


class Fields:
    """Reads typed fields from one YAML mapping, recording a Problem for each bad one."""

    def __init__(self, data: LineDict, file: str, problems: list[Problem]) -> None:
        self.data, self.file, self.problems = data, file, problems
        self.entry_id: str | None = None

    def problem(self, key: str | None, message: str, line: int | None = None) -> None:
        where = line if line is not None else (self.data.line_of(key) if key else self.data.line)
        self.problems.append(Problem(self.file, where, message, self.entry_id))

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.problem(None, f"missing required field {key!r}")
            return None
        if not isinstance(value, str):
            self.problem(key, f"field {key!r} must be text, not {_kind(value)}")
            return None
        if not value.strip():
            self.problem(key, f"field {key!r} is empty")
            return None
        return value.strip()

    def text_list(self, key: str, *, required: bool = True) -> list[tuple[str, int]]:
        value = self.data.get(key)
        if value is None:
            if required:
                self.problem(None, f"missing required field {key!r}")
            return []
        if not isinstance(value, LineList):
            self.problem(key, f"field {key!r} must be a list, not {_kind(value)}")
            return []
        items: list[tuple[str, int]] = []
        for item, line in zip(value, value.item_lines, strict=True):
            if not isinstance(item, str) or not item.strip():
                self.problem(key, f"every item of {key!r} must be non-empty text", line)
            else:
                items.append((item.strip(), line))
        return items

    def choice(self, key: str, allowed: tuple[str, ...], *, required: bool = True) -> str | None:
        value = self.text(key, required=required)
        if value is not None and value not in allowed:
            self.problem(key, f"field {key!r} is {value!r}; expected one of {', '.join(allowed)}")
            return None
        return value

    def unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                self.problem(key, f"unknown field {key!r}")


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "nothing" if value is None else type(value).__name__


def top_list(data: Any, key: str, display: str, problems: list[Problem]) -> list[LineDict]:
    """The list under a file's top-level `key`, keeping only mappings (others are problems)."""
    if not isinstance(data, LineDict) or not isinstance(data.get(key), LineList):
        problems.append(Problem(display, 1, f"expected a top-level {key!r} list"))
        return []
    items: list[LineDict] = []
    for item, line in zip(data[key], data[key].item_lines, strict=True):
        if isinstance(item, LineDict):
            items.append(item)
        else:
            problems.append(Problem(display, line, f"each item of {key!r} must be a mapping"))
    return items
