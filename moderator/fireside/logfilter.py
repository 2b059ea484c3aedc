"""Rate-limits repeated log records, so one failure in a tight loop cannot flood the log.

At its open-file limit, asyncio logs a traceback for every failed accept: 62,000 records in
12 s, into the log that ``fireside run`` keeps beside the database. A ``RepeatFilter`` on a
handler lets the first ``burst`` records of one message through per ``interval`` seconds,
notes on the last of them that repeats are being held back, and reports how many were
suppressed on the first record of that message after the interval.

Records count as the same message when they come from the same logger, at the same level,
with the same format string (``record.msg``), whatever their arguments.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

BURST = 3
"""Records of one message let through per interval."""
INTERVAL = 60.0
"""Seconds over which ``BURST`` is counted."""
_MAX_KEYS = 1000
"""Messages tracked at once; older windows are forgotten beyond this."""


@dataclass
class _Window:
    start: float
    passed: int = 0
    suppressed: int = 0


class RepeatFilter(logging.Filter):
    """Lets ``burst`` records of the same message through per ``interval``; counts the rest."""

    def __init__(
        self,
        burst: int = BURST,
        interval: float = INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.burst = burst
        self.interval = interval
        self.clock = clock
        self._windows: dict[tuple[str, int, str], _Window] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        now = self.clock()
        key = (record.name, record.levelno, str(record.msg))
        window = self._windows.get(key)
        if window is None or now - window.start >= self.interval:
            if len(self._windows) >= _MAX_KEYS:
                self._forget(now)
            held = window.suppressed if window is not None else 0
            window = self._windows[key] = _Window(start=now)
            if held:
                _note(record, f"{held} more like this were suppressed before")
        if window.passed >= self.burst:
            window.suppressed += 1
            return False
        window.passed += 1
        if window.passed == self.burst:
            _note(record, f"repeats are suppressed for {self.interval:.0f} s")
        return True

    def _forget(self, now: float) -> None:
        for key, window in list(self._windows.items()):
            if now - window.start >= self.interval:
                del self._windows[key]
        if len(self._windows) >= _MAX_KEYS:
            self._windows.clear()


def _note(record: logging.LogRecord, note: str) -> None:
    # Formatted in place, so that a "%" in the note can never break the record's arguments.
    record.msg, record.args = f"{record.getMessage()} [{note}]", None


def quiet_repeats(handler: logging.Handler) -> logging.Handler:
    """Put a ``RepeatFilter`` on ``handler`` (once) and return it."""
    if not any(isinstance(f, RepeatFilter) for f in handler.filters):
        handler.addFilter(RepeatFilter())
    return handler
