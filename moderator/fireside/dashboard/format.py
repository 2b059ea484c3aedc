"""Small formatting helpers shared by the dashboard and the stage screen."""

from __future__ import annotations

import math
from datetime import datetime, tzinfo


def mmss(seconds: float) -> str:
    """``04:30`` for 270 seconds; ``1:04:30`` past an hour. Rounds up, as a countdown does."""
    total = max(0, math.ceil(seconds - 1e-9))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def drift_minutes(seconds: float) -> str:
    """How far the projected end is from the plan, in whole minutes: ``+3m``, ``-2m``, ``±0``."""
    minutes = round(seconds / 60)
    return f"{minutes:+d}m" if minutes else "±0"


def clock_time(epoch: float | None, timezone: tzinfo | None) -> str:
    """``10:42`` in the session's time zone (the agenda's ``starts_at`` zone, else local)."""
    if epoch is None:
        return "--:--"
    return datetime.fromtimestamp(epoch, timezone).strftime("%H:%M")


def session_timezone(starts_at: str | None) -> tzinfo | None:
    """The time zone of the agenda's start, so that times read as they do in the room."""
    if not starts_at:
        return None
    try:
        return datetime.fromisoformat(starts_at).tzinfo
    except ValueError:
        return None
