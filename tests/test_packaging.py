"""A non-editable install, run from another directory, still finds the bundled data."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_installed_package_finds_knowledge_and_intents(tmp_path: Path) -> None:
    """`pip install .` into a fresh venv; `python -m bot kb check` works from elsewhere."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The dependencies come from the project's own environment (no network needed); the
    # package itself is installed for real, as a wheel, into the fresh environment.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    where = subprocess.run(
        [str(python), "-c", "import bot.paths as p; print(p.bundled_dir('knowledge'))"],
        check=True,
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
    ).stdout.strip()
    assert Path(where).is_relative_to(site), where
    result = subprocess.run(
        [str(python), "-m", "bot", "kb", "check"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("kb check: OK:")
    # every subpackage is installed, down to the transport
    subprocess.run(
        [str(python), "-c", "import bot.transport.service, bot.cli.chat, bot.cli.tickets"],
        check=True,
        cwd=elsewhere,
        env=env,
    )
    # the web console's templates, stylesheet and vendored htmx are installed with it
    console = site / "bot" / "console"
    for part in ("templates/queue.html", "static/console.css", "static/htmx-2.0.9.min.js"):
        assert (console / part).is_file(), part
