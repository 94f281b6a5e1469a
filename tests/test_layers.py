"""The package layout is the architecture: each package imports only the layers below it, only
the transport imports `telegram`, and every name has one import path (no re-exports)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

FOUNDATION = {"config", "paths", "yamlio", "privacy", "logs", "messages"}
# component → the components it may import (besides itself). A foundation module may import
# only the foundation modules listed for it.
ALLOWED: dict[str, set[str]] = {
    "paths": set(),
    "yamlio": set(),
    "privacy": set(),
    "messages": set(),
    "config": {"paths"},
    "logs": {"privacy"},
    "kb": {"yamlio", "paths"},
    "words": {"kb"},
    "matching": {"kb", "yamlio"},
    "store": {"config", "messages"},
    "helpdesk": FOUNDATION | {"store", "words", "kb", "yamlio"},
    "learning": FOUNDATION | {"kb", "words", "matching", "store"},
    "dialogue": FOUNDATION | {"kb", "words", "matching", "store", "helpdesk", "learning"},
    "console": FOUNDATION
    | {"kb", "words", "matching", "store", "helpdesk", "learning", "dialogue"},
    "transport": FOUNDATION
    | {"kb", "words", "matching", "store", "helpdesk", "learning", "dialogue", "console"},
    "cli": FOUNDATION
    | {"kb", "words", "matching", "store", "helpdesk", "learning", "dialogue", "console"}
    | {"transport"},
    "__main__": {"cli"},
    "__init__": set(),
}


def modules() -> list[Path]:
    return sorted(p for p in BOT.rglob("*.py") if "knowledge" not in p.parts)


def component(path: Path) -> str:
    parts = path.relative_to(BOT).with_suffix("").parts
    return parts[0]


def bot_imports(tree: ast.Module) -> list[tuple[str, list[str], int]]:
    """(module, names, line) for every `from bot… import …`, anywhere in the file."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "bot" or node.module.startswith("bot."):
                found.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("bot."):
                    found.append((alias.name, [], node.lineno))
    return found


def imported_component(module: str, names: list[str]) -> list[str]:
    if module == "bot":
        return names  # `from bot import words`
    return [module.split(".")[1]]


def test_every_component_is_declared() -> None:
    assert {component(p) for p in modules()} <= set(ALLOWED)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(BOT)))
def test_imports_only_layers_below(path: Path) -> None:
    own = component(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wrong = [
        f"line {line}: {module}"
        for module, names, line in bot_imports(tree)
        for target in imported_component(module, names)
        if target != own and target not in ALLOWED[own]
    ]
    assert not wrong, f"{own} may import only {sorted(ALLOWED[own])}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(BOT)))
def test_only_the_transport_imports_telegram(path: Path) -> None:
    if component(path) == "transport":
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert not any(a.name.split(".")[0] == "telegram" for a in node.names), path
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.module.split(".")[0] != "telegram", path


def defined_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def module_path(module: str) -> Path | None:
    parts = module.split(".")[1:]
    if not parts:
        return BOT / "__init__.py"
    relative = Path(*parts)
    for candidate in (BOT / relative.with_suffix(".py"), BOT / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@pytest.mark.parametrize(
    "path",
    [*modules(), *sorted((BOT.parent / "tests").glob("*.py"))],
    ids=lambda p: p.name if p.parent.name == "tests" else str(p.relative_to(BOT)),
)
def test_every_name_is_imported_from_where_it_is_defined(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    borrowed = []
    for module, names, line in bot_imports(tree):
        home = module_path(module)
        if home is None or module == "bot":
            continue
        defined = defined_names(home)
        for name in names:
            is_submodule = module_path(f"{module}.{name}") is not None
            if name not in defined and not is_submodule:
                borrowed.append(f"line {line}: {name} from {module}")
    assert not borrowed, "import each name from the module that defines it"


def test_a_command_loads_only_what_it_needs() -> None:
    """`kb check` does not import the Telegram library or numpy (the CLI imports only the
    chosen command's module)."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from bot.cli import main\n"
        "code = main(['--env-file', '/nonexistent/.env', 'kb', 'check'])\n"
        "print(code, 'telegram' in sys.modules, 'numpy' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=BOT.parent,
    )
    assert result.stdout.split()[-3:] == ["0", "False", "False"], result.stdout + result.stderr
