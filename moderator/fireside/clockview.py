"""The clock as a display shows it: counted on locally from the hub's last snapshot.

Pure, over the snapshot dict the wire carries (``Clock.snapshot``), so the dashboard and
the stage show the same time and phase between the hub's updates; the phase rule itself
is ``clock.phase_of``, the hub's own.
"""

from __future__ import annotations

from typing import Any

from .clock import FINISHED, PAUSED, READY, RUNNING, phase_of


def clock_view(
    clock: dict[str, Any] | None, received: float, now_mono: float, segments: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Count the hub's clock on locally from when it arrived; return what the panel shows."""
    if clock is None:
        return None
    running = clock["state"] == RUNNING
    passed = max(0.0, now_mono - received) if running else 0.0
    elapsed = clock["elapsed"] + passed
    allowance = clock["allowance"]
    left = allowance - elapsed
    server_now = clock["server_time"] + (now_mono - received)
    session_left = (
        max(0.0, left) + clock["remaining_after"]
        if clock["state"] in (RUNNING, PAUSED)
        else clock["remaining_after"] + allowance
        if clock["state"] == READY
        else 0.0
    )
    projected = (
        clock["finished_at"]
        if clock["state"] == FINISHED and clock["finished_at"]
        else server_now + session_left
    )
    index = clock["index"]
    return {
        "phase": phase_of(clock["state"], left, clock["wrapup"]),
        "index": index,
        "count": len(segments) or 1,
        "title": clock["segment"]["title"],
        "prompt": clock["segment"].get("prompt", ""),
        "allowance": allowance,
        "elapsed": elapsed,
        "left": left,
        "session_left": session_left,
        "projected_end": projected,
        "planned_end": clock.get("planned_end"),
        "upcoming": [s.get("title") or s["id"] for s in segments[index + 1 : index + 3]],
    }
