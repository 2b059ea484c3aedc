"""The segment clock: a pure model folded from stored events, with an injected clock.

The hub is the clock's single source of truth. Every change the moderator makes (start,
pause, resume, next, back, extend, shorten) is an ``Event`` stored in SQLite; the state is
the fold of those events, so a restarted hub recomputes exactly the same clock. Time keeps
running while the hub is down, as it does on stage.

Decisions:

- ``next`` before the start starts the first segment; ``next`` on the last segment ends the
  session; ``back`` after the end reopens the last segment.
- A segment's elapsed time is the sum of its running time over every visit, pauses
  excluded. Going back to a segment continues its count where it stopped (the usual reason
  to go back is a ``next`` pressed too early).
- A segment revisited is reported with its total running time and every visit as its own
  time range (``visits``), never as one range from its first start to its last end: that
  range would overlap the segments shown in between, and claim time they had.
- Moving to another segment always leaves the clock running.
- Extending or shortening changes the current segment's allowance, never below zero.
- Wrap-up starts when 20% of the segment's allowance, at most two minutes, is left.
- Clock changes are not on the moderator's undo stack: each has its own inverse key
  (``b`` for ``n``, ``-`` for ``+``, ``space`` for ``space``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .agenda import Agenda

WRAPUP_FRACTION = 0.2
WRAPUP_MAX = 120.0
STALE_START = 12 * 3600.0
MAX_ADJUST = 24 * 3600
COMMANDS = ("start", "pause", "resume", "toggle", "next", "back", "adjust")

READY, RUNNING, PAUSED, FINISHED = "ready", "running", "paused", "finished"


class ClockError(ValueError):
    """A clock command that does not apply now."""


@dataclass(frozen=True)
class Event:
    """One stored change of the clock."""

    at: float
    kind: str
    seconds: int = 0

    def to_data(self) -> dict[str, Any]:
        return {"seconds": self.seconds} if self.kind == "adjust" else {}


@dataclass
class Run:
    """One visit to a segment, from when it started to when the clock left it."""

    index: int
    start: float
    end: float | None = None


@dataclass
class Clock:
    """The live state of the agenda; ``apply`` events in order, then ask it questions."""

    agenda: Agenda
    state: str = READY
    index: int = 0
    since: float | None = None
    """When the current stretch of running time began (``None`` while not running)."""
    elapsed: dict[int, float] = field(default_factory=dict)
    """Closed running time per segment index, pauses excluded."""
    adjust: dict[int, int] = field(default_factory=dict)
    """Seconds added (or removed) per segment index."""
    runs: list[Run] = field(default_factory=list)
    started_at: float | None = None
    finished_at: float | None = None
    paused_at: float | None = None
    events: list[Event] = field(default_factory=list)

    @classmethod
    def replay(cls, agenda: Agenda, events: list[Event]) -> Clock:
        clock = cls(agenda)
        for event in events:
            clock.apply(event)
        return clock

    # --- commands ------------------------------------------------------------------
    def command(self, kind: str, now: float, seconds: int = 0) -> Event:
        """Turn a moderator command into the event to store, or raise ``ClockError``."""
        if kind == "toggle":
            kind = {READY: "start", RUNNING: "pause", PAUSED: "resume"}.get(self.state, "")
            if not kind:
                raise ClockError("The session is over; press back to reopen the last segment.")
        if kind == "start" and self.state != READY:
            raise ClockError("The clock is already started.")
        if kind == "pause" and self.state != RUNNING:
            raise ClockError("The clock is not running.")
        if kind == "resume" and self.state != PAUSED:
            raise ClockError("The clock is not paused.")
        if kind == "next" and self.state == FINISHED:
            raise ClockError("The session is already over.")
        if kind == "back" and (self.state == READY or (self.index == 0 and self.state != FINISHED)):
            raise ClockError("This is the first segment.")
        if kind == "adjust":
            if (
                not isinstance(seconds, int)
                or isinstance(seconds, bool)
                or not seconds
                or abs(seconds) > MAX_ADJUST
            ):
                raise ClockError(
                    "Extend or shorten by a whole, non-zero number of seconds, at most a day."
                )
            if self.state == FINISHED:
                raise ClockError("The session is over.")
        if kind not in COMMANDS:
            raise ClockError(f"Unknown clock command {kind!r}.")
        event = Event(at=now, kind=kind, seconds=seconds if kind == "adjust" else 0)
        self.apply(event)
        return event

    def apply(self, event: Event) -> None:
        """Fold one event into the state. Events that no longer apply are ignored."""
        at, kind = event.at, event.kind
        last = len(self.agenda.segments) - 1
        if kind == "start" or (kind == "next" and self.state == READY):
            if self.state == READY:
                self.state, self.index, self.started_at = RUNNING, 0, at
                self._enter(0, at)
        elif kind == "pause" and self.state == RUNNING:
            self._stop(at)
            self.state, self.paused_at = PAUSED, at
        elif kind == "resume" and self.state == PAUSED:
            self.state, self.since, self.paused_at = RUNNING, at, None
        elif kind == "next" and self.state in (RUNNING, PAUSED):
            self._leave(at)
            if self.index >= last:
                self.state, self.finished_at = FINISHED, at
            else:
                self._enter(self.index + 1, at)
        elif kind == "back" and self.state in (RUNNING, PAUSED, FINISHED):
            if self.state == FINISHED:
                self.finished_at = None
                self._enter(min(self.index, last), at)
            elif self.index > 0:
                self._leave(at)
                self._enter(self.index - 1, at)
        elif kind == "adjust" and self.state != FINISHED and abs(event.seconds) <= MAX_ADJUST:
            allowance = self.allowance(self.index)
            self.adjust[self.index] = self.adjust.get(self.index, 0) + max(
                event.seconds, -allowance
            )
        else:
            return
        self.events.append(event)

    def _stop(self, at: float) -> None:
        if self.since is not None:
            self.elapsed[self.index] = self.elapsed.get(self.index, 0.0) + max(0.0, at - self.since)
            self.since = None

    def _leave(self, at: float) -> None:
        self._stop(at)
        if self.runs and self.runs[-1].end is None:
            self.runs[-1].end = at

    def _enter(self, index: int, at: float) -> None:
        self.index, self.state, self.since, self.paused_at = index, RUNNING, at, None
        self.runs.append(Run(index, at))

    # --- questions -----------------------------------------------------------------
    def allowance(self, index: int) -> int:
        """Planned seconds for a segment, with its extensions."""
        return max(0, self.agenda.segments[index].duration + self.adjust.get(index, 0))

    def segment_elapsed(self, index: int, now: float) -> float:
        running = now - self.since if index == self.index and self.since is not None else 0.0
        return self.elapsed.get(index, 0.0) + max(0.0, running)

    def current_segment_id(self) -> str | None:
        """The id of the segment running (or paused) now, ``None`` before and after."""
        if self.state in (RUNNING, PAUSED):
            return self.agenda.segments[self.index].id
        return None

    def wrapup_seconds(self, index: int) -> float:
        return min(WRAPUP_MAX, WRAPUP_FRACTION * self.allowance(index))

    def left(self, now: float) -> float:
        """Seconds left in the current segment; negative in overtime."""
        return self.allowance(self.index) - self.segment_elapsed(self.index, now)

    def phase(self, now: float) -> str:
        """``ready``, ``running``, ``wrapup``, ``overtime``, ``paused`` or ``finished``."""
        if self.state != RUNNING:
            return self.state
        left = self.left(now)
        if left < 0:
            return "overtime"
        if left <= self.wrapup_seconds(self.index):
            return "wrapup"
        return RUNNING

    def remaining_after(self, now: float) -> float:
        """Planned seconds still to come in the segments after the current one."""
        return sum(
            max(0.0, self.allowance(i) - self.segment_elapsed(i, now))
            for i in range(self.index + 1, len(self.agenda.segments))
        )

    def session_left(self, now: float) -> float:
        """Planned time left in the whole session (overtime counts as none left)."""
        if self.state == FINISHED:
            return 0.0
        if self.state == READY:
            return float(sum(self.allowance(i) for i in range(len(self.agenda.segments))))
        return max(0.0, self.left(now)) + self.remaining_after(now)

    def planned_end(self, now: float) -> float:
        """When the session should end by the plan: its planned start plus the plan.

        The agenda's ``starts_at`` anchors the plan only when the session really starts
        near it (within ``STALE_START`` seconds); a rehearsal or a reused agenda file from
        another day is measured from its actual start instead (or from now, before it).
        """
        anchor = self.started_at if self.started_at is not None else now
        if self.agenda.starts_at is not None:
            planned = self.agenda.starts_at.timestamp()
            if abs(anchor - planned) <= STALE_START:
                anchor = planned
        return anchor + self.agenda.planned_seconds

    def projected_end(self, now: float) -> float:
        """When the session will end if every remaining segment keeps to its allowance."""
        if self.state == FINISHED and self.finished_at is not None:
            return self.finished_at
        return now + self.session_left(now)

    def snapshot(self, now: float) -> dict[str, Any]:
        """The clock as the wire carries it; clients count on from ``elapsed`` locally."""
        segment = self.agenda.segments[min(self.index, len(self.agenda.segments) - 1)]
        planned_end = self.planned_end(now)
        return {
            "type": "clock",
            "server_time": now,
            "state": self.state,
            "phase": self.phase(now),
            "index": self.index,
            "segment": {
                "id": segment.id,
                "title": segment.title,
                "prompt": segment.prompt,
                "kind": segment.kind,
            },
            "allowance": self.allowance(self.index),
            "elapsed": round(self.segment_elapsed(self.index, now), 3),
            "wrapup": self.wrapup_seconds(self.index),
            "remaining_after": round(self.remaining_after(now), 3),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "planned_end": planned_end,
            "projected_end": round(self.projected_end(now), 3),
            "segments": [
                {
                    "id": s.id,
                    "allowance": self.allowance(i),
                    "elapsed": round(self.segment_elapsed(i, now), 3),
                }
                for i, s in enumerate(self.agenda.segments)
            ],
        }

    def report(self, now: float) -> list[dict[str, Any]]:
        """Planned and actual start, end and duration of every segment (for the export).

        ``visits`` holds each stretch the segment was current, ``(start, end)`` in order,
        ``end`` ``None`` while it still is; ``actual_start`` and ``actual_end`` are the
        first start and the last end (``None`` while open).
        """
        rows = []
        for i, segment in enumerate(self.agenda.segments):
            visits = [(r.start, r.end) for r in self.runs if r.index == i]
            still_open = any(end is None for _, end in visits)
            rows.append(
                {
                    "id": segment.id,
                    "title": segment.title,
                    "planned": segment.duration,
                    "allowance": self.allowance(i),
                    "actual_start": visits[0][0] if visits else None,
                    "actual_end": None if still_open or not visits else visits[-1][1],
                    "actual": round(self.segment_elapsed(i, now), 3) if visits else None,
                    "visits": visits,
                }
            )
        return rows
