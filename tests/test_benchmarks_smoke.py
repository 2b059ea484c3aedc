"""Tiny runs of every benchmark, so that they cannot rot. They assert that each runs and
reports its figures, never how fast anything is: speed is measured in benchmarks/."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_benchmark(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.e2e
def test_dashboard_benchmark_runs_and_reports_every_figure() -> None:
    """bench_dashboard.py opens a small session and prints all its measurements."""
    out = run_benchmark("bench_dashboard.py", "--questions", "20", "--runs", "1", "--voters", "5")
    report = json.loads(out[out.index("{") :])
    assert set(report["median"]) == {
        "open_s",
        "keypress_repaint_ms_median",
        "keypress_repaint_ms_max",
        "arriving_question_ms",
        "vote_burst_ms",
    }
