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

Two clocks, each for what it is good at. Intervals (running time, overtime, pauses) are
measured in *session time*; the wall clock (``at``) is kept only for display and the
record (started at, on air at, the export's times). The wall clock jumps: NTP corrections,
a laptop's clock set by hand, a suspend. Measured on it, a jump back of 120 s before a pause
recorded 0 s instead of 80, and a jump forward of an hour stored an hour of overtime.

Session time is what ``SessionClock`` reads in the hub: the monotonic clock within one
process, offset so that it starts where the stored events left off. A monotonic clock does
not survive a restart, so every stored event keeps both readings (``at`` and
``session_time``), and a restarted hub continues session time from the last event by the
wall clock (``session_time_at``): time keeps running while the hub is down, as it does on
stage, and never runs backwards. What this cannot see: a wall-clock jump *while the hub is
down* (or between the last event and a crash) counts as downtime, forward or (clamped to
zero) backward. Events stored before session time existed have none; they read their wall
time, which is what they were measured with. On a fresh database session time starts at the
wall clock's reading, so the two agree unless the wall clock jumps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fireside_ask import protocol as p

from .agenda import Agenda
from .clockevents import STORED_PREFIX, Event, Run

# The stored records live in clockevents; they are imported from here too, beside the rules.
__all__ = [
    "COMMANDS",
    "FINISHED",
    "PAUSED",
    "READY",
    "RUNNING",
    "STORED_PREFIX",
    "Clock",
    "ClockError",
    "Event",
    "Run",
    "SessionClock",
    "phase_of",
]

WRAPUP_FRACTION = 0.2
WRAPUP_MAX = 120.0
STALE_START = 12 * 3600.0
MAX_ADJUST = 24 * 3600
COMMANDS = p.CLOCK_COMMANDS

READY, RUNNING, PAUSED, FINISHED = "ready", "running", "paused", "finished"


def phase_of(state: str, left: float, wrapup: float) -> str:
    """The phase a clock in ``state`` is in with ``left`` seconds left of its segment.

    ``ready``, ``paused`` and ``finished`` are states; a running clock is ``running``,
    then ``wrapup`` with ``wrapup`` seconds or fewer left, then ``overtime`` below zero.
    The hub's ``Clock`` and every display counting on from a snapshot decide it here.
    """
    if state != RUNNING:
        return state
    if left < 0:
        return "overtime"
    if left <= wrapup:
        return "wrapup"
    return RUNNING


class ClockError(ValueError):
    """A clock command that does not apply now."""


@dataclass
class Clock:
    """The live state of the agenda; ``apply`` events in order, then ask it questions."""

    agenda: Agenda
    state: str = READY
    index: int = 0
    since: float | None = None
    """Session time when the current stretch of running time began (``None`` if not running)."""
    elapsed: dict[int, float] = field(default_factory=dict)
    """Closed running time per segment index, pauses excluded."""
    adjust: dict[int, int] = field(default_factory=dict)
    """Seconds added (or removed) per segment index."""
    runs: list[Run] = field(default_factory=list)
    started_at: float | None = None
    """Wall-clock time of the start; so are ``finished_at`` and ``paused_at``."""
    finished_at: float | None = None
    paused_at: float | None = None
    events: list[Event] = field(default_factory=list)

    @classmethod
    def replay(cls, agenda: Agenda, events: list[Event]) -> Clock:
        clock = cls(agenda)
        for event in events:
            clock.apply(event)
        return clock

    def session_time_at(self, wall: float) -> float:
        """Session time at wall-clock time ``wall``, counted on from the last event.

        For when no monotonic reading is at hand: a hub starting on stored events, the
        export. Never earlier than the last event, whatever the wall clock did.
        """
        if not self.events:
            return wall
        last = self.events[-1]
        return last.t + max(0.0, wall - last.at)

    # --- commands ------------------------------------------------------------------
    def command(
        self, kind: str, now: float, seconds: int = 0, *, wall: float | None = None
    ) -> Event:
        """Turn a moderator command into the event to store, or raise ``ClockError``.

        ``now`` is session time; ``wall`` the wall clock's reading for the record (the
        same as ``now`` when only one clock is at hand, as in tests of the rules).
        """
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
        event = Event(
            at=now if wall is None else wall,
            kind=kind,
            seconds=seconds if kind == "adjust" else 0,
            session_time=now,
        )
        self.apply(event)
        return event

    def apply(self, event: Event) -> None:
        """Fold one event into the state. Events that no longer apply are ignored."""
        at, t, kind = event.at, event.t, event.kind
        last = len(self.agenda.segments) - 1
        if kind == "start" or (kind == "next" and self.state == READY):
            if self.state == READY:
                self.state, self.index, self.started_at = RUNNING, 0, at
                self._enter(0, at, t)
        elif kind == "pause" and self.state == RUNNING:
            self._stop(t)
            self.state, self.paused_at = PAUSED, at
        elif kind == "resume" and self.state == PAUSED:
            self.state, self.since, self.paused_at = RUNNING, t, None
        elif kind == "next" and self.state in (RUNNING, PAUSED):
            self._leave(at, t)
            if self.index >= last:
                self.state, self.finished_at = FINISHED, at
            else:
                self._enter(self.index + 1, at, t)
        elif kind == "back" and self.state in (RUNNING, PAUSED, FINISHED):
            if self.state == FINISHED:
                self.finished_at = None
                self._enter(min(self.index, last), at, t)
            elif self.index > 0:
                self._leave(at, t)
                self._enter(self.index - 1, at, t)
        elif kind == "adjust" and self.state != FINISHED and abs(event.seconds) <= MAX_ADJUST:
            allowance = self.allowance(self.index)
            self.adjust[self.index] = self.adjust.get(self.index, 0) + max(
                event.seconds, -allowance
            )
        else:
            return
        self.events.append(event)

    def _stop(self, t: float) -> None:
        if self.since is not None:
            self.elapsed[self.index] = self.elapsed.get(self.index, 0.0) + max(0.0, t - self.since)
            self.since = None

    def _leave(self, at: float, t: float) -> None:
        self._stop(t)
        if self.runs and self.runs[-1].end is None:
            self.runs[-1].end, self.runs[-1].session_end = at, t

    def _enter(self, index: int, at: float, t: float) -> None:
        self.index, self.state, self.since, self.paused_at = index, RUNNING, t, None
        self.runs.append(Run(index, at, t))

    # --- questions -----------------------------------------------------------------
    def allowance(self, index: int) -> int:
        """Planned seconds for a segment, with its extensions."""
        return max(0, self.agenda.segments[index].duration + self.adjust.get(index, 0))

    def segment_elapsed(self, index: int, now: float) -> float:
        """Running seconds spent in a segment by session time ``now``, pauses excluded."""
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
        return phase_of(self.state, self.left(now), self.wrapup_seconds(self.index))

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

    def planned_end(self, wall: float) -> float:
        """When the session should end by the plan (wall clock): its planned start plus the plan.

        The agenda's ``starts_at`` anchors the plan only when the session really starts
        near it (within ``STALE_START`` seconds); a rehearsal or a reused agenda file from
        another day is measured from its actual start instead (or from ``wall``, before it).
        """
        anchor = self.started_at if self.started_at is not None else wall
        if self.agenda.starts_at is not None:
            planned = self.agenda.starts_at.timestamp()
            if abs(anchor - planned) <= STALE_START:
                anchor = planned
        return anchor + self.agenda.planned_seconds

    def projected_end(self, now: float, *, wall: float | None = None) -> float:
        """When (wall clock) the session ends if every remaining segment keeps to its allowance."""
        if self.state == FINISHED and self.finished_at is not None:
            return self.finished_at
        return (now if wall is None else wall) + self.session_left(now)

    def snapshot(self, now: float, *, wall: float | None = None) -> dict[str, Any]:
        """The clock as the wire carries it; clients count on from ``elapsed`` locally.

        ``now`` is session time; ``wall`` (default ``now``) is shown as ``server_time`` and
        anchors the planned and projected ends, which displays show as times of day.
        """
        wall = now if wall is None else wall
        segment = self.agenda.segments[min(self.index, len(self.agenda.segments) - 1)]
        planned_end = self.planned_end(wall)
        return {
            "type": "clock",
            "server_time": wall,
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
            "projected_end": round(self.projected_end(now, wall=wall), 3),
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

        ``now`` is session time; starts and ends are wall-clock times, for the record.
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


class SessionClock:
    """The hub's reading of session time: monotonic within this process.

    It starts at the wall clock's reading, or, once ``resume`` has seen the stored events,
    where they left off (see the module's docstring).
    """

    def __init__(
        self,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.wall = wall
        self.monotonic = monotonic
        self._origin = wall()
        self._mark = monotonic()

    def resume(self, clock: Clock) -> None:
        """Continue session time from ``clock``'s stored events (at a hub's start)."""
        self._origin, self._mark = clock.session_time_at(self.wall()), self.monotonic()

    def now(self) -> float:
        return self._origin + (self.monotonic() - self._mark)
