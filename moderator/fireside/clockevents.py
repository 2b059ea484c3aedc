"""What the segment clock stores and remembers: one ``Event`` per change, one ``Run`` per visit.

Data only: ``fireside.clock`` folds the events into the clock's state. Each event keeps
both readings, wall-clock time for the record and session time for measuring; the
module docstring of ``fireside.clock`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STORED_PREFIX = "clock."
"""Clock events are stored in the ``events`` table with this prefix on their kind."""


@dataclass(frozen=True)
class Event:
    """One stored change of the clock."""

    at: float
    """Wall-clock time: for display and the record."""
    kind: str
    seconds: int = 0
    session_time: float | None = None
    """Session time, for intervals; ``None`` in events stored before it existed."""

    @property
    def t(self) -> float:
        """When it happened in session time (its wall time for events that lack one)."""
        return self.at if self.session_time is None else self.session_time

    @property
    def stored_kind(self) -> str:
        return STORED_PREFIX + self.kind

    def to_data(self) -> dict[str, Any]:
        """The ``data`` column of the stored event."""
        data: dict[str, Any] = {"session_time": self.t}
        if self.kind == "adjust":
            data["seconds"] = self.seconds
        return data

    @classmethod
    def from_stored(cls, at: float, stored_kind: str, data: dict[str, Any]) -> Event:
        """Read one row of the ``events`` table whose kind starts with ``clock.``."""
        session_time = data.get("session_time")
        return cls(
            at=at,
            kind=stored_kind.removeprefix(STORED_PREFIX),
            seconds=int(data.get("seconds", 0)),
            session_time=float(session_time) if session_time is not None else None,
        )


@dataclass
class Run:
    """One visit to a segment, from when it started to when the clock left it."""

    index: int
    start: float
    """Wall-clock time, for the record; so is ``end``."""
    session_start: float
    """Session time, for measuring; so is ``session_end``."""
    end: float | None = None
    session_end: float | None = None
