"""Where the bundled data lives, in a source checkout and in an installed package."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """Return the folder `knowledge` or `intents`: inside the installed package, else the repo's."""
    installed = PACKAGE_DIR / name
    if installed.is_dir():
        return installed
    return PACKAGE_DIR.parent / name


def default_seeds_dir() -> Path | None:
    """The source documents beside a checkout (`../shared/seeds`), when they are there."""
    candidate = PACKAGE_DIR.parent.parent / "shared" / "seeds"
    return candidate if candidate.is_dir() else None


def default_eval_files() -> tuple[Path, ...]:
    """The gated evaluation sets beside a checkout (`tests/data/eval.yaml` and the near misses),
    for the regression check on knowledge proposals; none in an installed package."""
    data = PACKAGE_DIR.parent / "tests" / "data"
    names = ("eval.yaml", "eval_near_misses.yaml")
    return tuple(data / n for n in names if (data / n).is_file())
