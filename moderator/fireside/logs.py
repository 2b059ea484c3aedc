"""How the hub's log is written: where ``fireside run`` puts it, and how its times read.

Rule: every log line starts with the time in ISO 8601 with milliseconds and an explicit
UTC offset, in the machine's local time zone (``2026-04-14T10:31:02.123+02:00``). The
screens and the record show times in the agenda's time zone; a log line names its own
offset, so it can be matched to them without guessing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class LogFormatter(logging.Formatter):
    """The hub's log format, with ISO 8601 times that carry their UTC offset."""

    def __init__(self) -> None:
        super().__init__(FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 - logging's name
        moment = datetime.fromtimestamp(record.created).astimezone()
        return moment.isoformat(timespec="milliseconds")


def log_path(db_path: Path) -> Path:
    """``fireside run``'s log: beside the database, named by its stem (talk.db: talk.log)."""
    return db_path.with_suffix(".log")
