"""Where the hub's log goes and how its times read: no one has to guess a time zone."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from fireside.cli import build_parser
from fireside.logs import LogFormatter, log_path

ISO_WITH_OFFSET = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d) ")


def test_log_lines_carry_an_explicit_utc_offset() -> None:
    """A log line starts with an ISO 8601 time and its UTC offset, so it reads unambiguously."""
    record = logging.LogRecord("fireside.hub", logging.INFO, __file__, 1, "hub started", None, None)
    line = LogFormatter().format(record)
    stamp = ISO_WITH_OFFSET.match(line)
    assert stamp is not None, line
    moment = datetime.fromisoformat(stamp.group(1))
    assert moment.utcoffset() is not None
    assert abs(moment.timestamp() - record.created) < 0.001
    assert line.endswith(" INFO fireside.hub: hub started")


def test_log_times_follow_the_machines_time_zone_with_its_offset() -> None:
    """On a machine set to Berlin time, a summer log line says +02:00."""
    script = (
        "import logging; from fireside.logs import LogFormatter;"
        "r = logging.LogRecord('x', 20, 'f', 1, 'm', None, None); r.created = 1776155400.0;"
        "print(LogFormatter().format(r))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "Europe/Berlin"},
        timeout=60,
    )
    if not hasattr(time, "tzset"):  # pragma: no cover - TZ is honoured on POSIX only
        return
    assert result.stdout.startswith("2026-04-14T10:30:00.000+02:00 INFO x: m"), result


def test_the_log_of_fireside_run_sits_beside_the_database_named_by_its_stem() -> None:
    """fireside run --db talk.sqlite logs to talk.log, and --help says so."""
    assert log_path(Path("/data/talk.sqlite")) == Path("/data/talk.log")
    assert log_path(Path("fireside.db")) == Path("fireside.log")
    run = next(
        action
        for action in build_parser()._subparsers._group_actions  # type: ignore[union-attr]
        if action.choices
    ).choices["run"]
    text = run.format_help()
    assert "<db stem>.log" in " ".join(text.split())
    assert "UTC offset" in " ".join(text.split())


def test_readme_names_the_log_file_and_its_times_as_the_code_does() -> None:
    """The README says <db stem>.log and how log times are written."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "<db>.log" not in readme
    assert "`<db stem>.log`" in readme
    assert "UTC offset" in readme


def test_serve_logs_to_stderr_with_offsets(tmp_path: Path) -> None:
    """fireside serve's log lines on stderr start with a time that carries its UTC offset."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fireside", "serve", "--db", str(tmp_path / "s.db")]
        + ["--host", "127.0.0.1", "--port", "0", "--token", "log-test-token"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()  # the hub's first log line, once it listens
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    assert "hub listening" in line, line
    assert ISO_WITH_OFFSET.match(line), line
