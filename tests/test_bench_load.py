"""The load benchmark itself still runs and its checks still hold, on a small scale, on both
backends (SQLite: the benchmark's own temporary file; PostgreSQL: --database)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.serial, pytest.mark.slow]


def test_a_small_load_run_passes_its_checks(backend: str, request: pytest.FixtureRequest) -> None:
    """20 residents × 3 messages: every reply arrives, tickets equal the uncovered messages,
    one staff post each, and the service stops cleanly (the benchmark exits 0)."""
    database = (
        () if backend == "sqlite" else ("--database", request.getfixturevalue("postgres_url"))
    )
    result = subprocess.run(
        # Latency is the benchmark's business, not a unit test's: no p95 check here.
        [
            *(sys.executable, "bench/bench_load.py", "--residents", "20", "--messages", "3"),
            *("--p95-target", "0"),
            *database,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "ok   tickets == uncovered messages sent" in result.stdout
