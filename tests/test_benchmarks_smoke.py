"""Tiny runs of every benchmark, so that they cannot rot. They assert that each runs and
reports its figures, never how fast anything is: speed is measured in benchmarks/."""

from __future__ import annotations

import json
import shutil
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


@pytest.mark.e2e
def test_hub_benchmark_runs_and_reports_every_figure() -> None:
    """bench_hub.py drives the floor and the real hub with 20 attendees and prints every
    figure of docs/performance.md for both, in its table and its JSON."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_hub.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    report = json.loads(out[out.index("\n{") :])
    figures = {
        "connected",
        "connected_max",
        "rss_mb",
        "rss_big_mb",
        "handshake_p50_ms",
        "handshake_p99_ms",
        "update_base_p50_ms",
        "update_base_p99_ms",
        "update_base_max_ms",
        "update_full_p50_ms",
        "update_full_p99_ms",
        "update_full_max_ms",
        "cpu_per_update_ms",
        "update_big_p50_ms",
        "update_big_p99_ms",
        "update_big_max_ms",
        "join_ask_p50_ms",
        "join_ask_p99_ms",
        "join_handshake_p99_ms",
        "join_s",
        "steady_ask_p50_ms",
        "steady_ask_p99_ms",
        "commit_ms",
        "ask_ack_p50_ms",
        "ask_ack_p99_ms",
        "asks_per_s",
        "asks_sustained",
        "votes_per_s",
        "vote_pushes_max",
        "vote_pushes_mean",
        "vote_push_gap_ms",
        "storm_s",
        "storm_p50_s",
        "storm_listen_drops",
        "cpu_connect_pct",
        "cpu_join_pct",
        "cpu_idle_pct",
        "cpu_asks_pct",
        "cpu_update_pct",
        "cpu_votes_pct",
        "cpu_storm_pct",
        "cpu_sustained_pct",
        "loadgen_cpu_update_pct",
        "others_cpu_asks_pct",
        "cpu_steady_pct",
        "others_cpu_steady_pct",
        "others_cpu_join_pct",
        "others_cpu_run_pct",
    }
    for server in ("floor", "hub"):
        assert set(report["median"][server]) == figures, server
        assert report["median"][server]["connected"] == 20
        assert report["median"][server]["connected_max"] == 30
    assert "| figure | target | hub | floor | hub ÷ floor |" in out


@pytest.mark.e2e
def test_hub_benchmark_runs_the_steady_room_alone() -> None:
    """bench_hub.py --only steady fills the room and reports the steady asks and its CPU."""
    out = run_benchmark("bench_hub.py", "--quick", "--only", "steady", "--servers", "hub")
    report = json.loads(out[out.index("\n{") :])
    assert set(report["median"]["hub"]) == {
        "connected",
        "rss_mb",
        "steady_ask_p50_ms",
        "steady_ask_p99_ms",
        "cpu_steady_pct",
        "others_cpu_steady_pct",
    }
    assert report["median"]["hub"]["connected"] == 20


@pytest.mark.e2e
def test_client_benchmark_runs_and_reports_every_figure() -> None:
    """bench_client.py times ``fireside-ask --help`` and sizes the client (offline here: the
    suite needs no package registry)."""
    out = run_benchmark("bench_client.py", "--offline", "--runs", "2")
    report = json.loads(out[out.index("\n{") :])
    assert set(report["median"]) == {
        "python_floor_ms",
        "help_module_ms",
        "help_script_ms",
        "help_installed_ms",
        "installed_mb",
        "installed_files",
        "installed_mb_without_pyc",
        "install_s",
    }
    assert report["median"]["installed_mb"] > 0
    assert {"websockets", "rich", "fireside-ask"} <= set(report["packages_mb"])


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server (Debian)")
def test_pubsub_benchmark_runs_and_reports_every_figure() -> None:
    """bench_pubsub.py starts its own Redis, fans messages out to two edges and prints the
    figures docs/scaling.md uses."""
    out = run_benchmark("bench_pubsub.py", "--quick")
    report = json.loads(out[out.index("\n{") :])
    assert set(report["median"]) == {
        "latency_p50_ms",
        "latency_p99_ms",
        "latency_max_ms",
        "burst_per_s",
        "burst_p99_ms",
    }


@pytest.mark.e2e
def test_page_attendees_benchmark_runs_both_ways_and_reports_hub_cpu() -> None:
    """bench_web_attendees.py joins a few attendees both ways and prints the hub's CPU."""
    out = run_benchmark("bench_web_attendees.py", "--attendees", "20", "--runs", "1")
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    for way in ("terminal", "browser"):
        assert "20 joins: hub CPU" in lines[way] and "one update to all" in lines[way]
