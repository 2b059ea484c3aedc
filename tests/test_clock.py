"""The segment clock model, driven by a fake clock: no sleeps, exact numbers."""

from __future__ import annotations

import pytest

from fireside.agenda import parse_agenda
from fireside.clock import Clock, ClockError, Event

AGENDA = parse_agenda(
    """
title = "Test talk"
[[segment]]
id = "intro"
duration = "5m"
[[segment]]
id = "deep"
duration = "10m"
[[segment]]
id = "qa"
duration = "15m"
kind = "qa"
"""
)
T0 = 1_000_000.0


def started() -> Clock:
    clock = Clock(AGENDA)
    clock.command("toggle", T0)
    return clock


def test_clock_before_start_shows_the_whole_plan_left() -> None:
    """Before the start the moderator sees 30 minutes left and no segment running."""
    clock = Clock(AGENDA)
    assert clock.phase(T0) == "ready"
    assert clock.current_segment_id() is None
    assert clock.session_left(T0) == 30 * 60
    assert clock.projected_end(T0) == T0 + 30 * 60


def test_running_segment_counts_down_and_projects_the_end() -> None:
    """Two minutes into the first segment, three are left and the end is on plan."""
    clock = started()
    now = T0 + 120
    assert clock.current_segment_id() == "intro"
    assert clock.left(now) == 180
    assert clock.session_left(now) == 28 * 60
    assert clock.projected_end(now) == T0 + 30 * 60
    assert clock.planned_end(now) == T0 + 30 * 60


def test_wrapup_then_overtime_keeps_counting() -> None:
    """The clock turns to wrap-up with a minute left, then counts overtime past zero."""
    clock = started()
    assert clock.phase(T0 + 239) == "running"
    assert clock.phase(T0 + 241) == "wrapup"  # 20% of 5 minutes is one minute
    assert clock.phase(T0 + 301) == "overtime"
    assert clock.left(T0 + 330) == -30
    # Overtime pushes the projected end later by the same amount.
    assert clock.projected_end(T0 + 330) == T0 + 330 + 25 * 60


def test_wrapup_is_at_most_two_minutes() -> None:
    """A long segment warns two minutes before its end, not 20% before."""
    clock = started()
    clock.command("next", T0 + 300)
    clock.command("next", T0 + 900)  # qa: 15 minutes, 20% would be 3 minutes
    assert clock.wrapup_seconds(2) == 120
    assert clock.phase(T0 + 900 + 15 * 60 - 121) == "running"
    assert clock.phase(T0 + 900 + 15 * 60 - 119) == "wrapup"


def test_pause_and_resume_across_segments() -> None:
    """Paused time does not count, in the segment paused or after moving on."""
    clock = started()
    clock.command("toggle", T0 + 60)  # pause after one minute
    assert clock.phase(T0 + 500) == "paused"
    assert clock.left(T0 + 500) == 240
    assert clock.projected_end(T0 + 500) == T0 + 500 + 29 * 60
    clock.command("toggle", T0 + 600)  # resume
    assert clock.left(T0 + 630) == 210
    clock.command("next", T0 + 700)  # intro ran 60 + 100 seconds
    clock.command("pause", T0 + 760)
    clock.command("resume", T0 + 800)
    assert clock.current_segment_id() == "deep"
    assert clock.segment_elapsed(0, T0 + 900) == 160
    assert clock.segment_elapsed(1, T0 + 900) == 160
    assert clock.projected_end(T0 + 900) == T0 + 900 + (600 - 160) + 900


def test_moving_on_while_paused_starts_the_next_segment_running() -> None:
    """Pressing next during a pause starts the next segment's clock."""
    clock = started()
    clock.command("pause", T0 + 30)
    clock.command("next", T0 + 100)
    assert clock.phase(T0 + 110) == "running"
    assert clock.segment_elapsed(1, T0 + 110) == 10


def test_extend_into_overtime_and_shorten() -> None:
    """Plus gives a running-over segment another minute; minus takes it away again."""
    clock = started()
    assert clock.phase(T0 + 320) == "overtime"
    clock.command("adjust", T0 + 320, 60)
    assert clock.allowance(0) == 360
    assert clock.phase(T0 + 320) == "wrapup"
    assert clock.left(T0 + 320) == 40
    assert clock.projected_end(T0 + 320) == T0 + 320 + 40 + 25 * 60
    clock.command("adjust", T0 + 330, -60)
    assert clock.phase(T0 + 330) == "overtime"
    assert clock.projected_end(T0 + 330) == T0 + 330 + 25 * 60


def test_shorten_never_goes_below_zero() -> None:
    """Shortening a segment many times stops at an allowance of zero."""
    clock = started()
    for step in range(10):
        clock.command("adjust", T0 + step, -60)
    assert clock.allowance(0) == 0
    clock.command("adjust", T0 + 20, 60)
    assert clock.allowance(0) == 60


def test_going_back_continues_the_earlier_segment() -> None:
    """Back after a too-early next resumes the first segment's count where it stopped."""
    clock = started()
    clock.command("next", T0 + 100)
    clock.command("back", T0 + 130)
    assert clock.current_segment_id() == "intro"
    assert clock.left(T0 + 130) == 200
    assert clock.segment_elapsed(1, T0 + 130) == 30
    # The 30 seconds already spent in the deep segment come off its remaining time.
    assert clock.projected_end(T0 + 130) == T0 + 130 + 200 + (600 - 30) + 900


def test_back_on_the_first_segment_is_refused() -> None:
    """Back on the first segment is an error the moderator sees, and changes nothing."""
    clock = started()
    with pytest.raises(ClockError):
        clock.command("back", T0 + 5)
    assert clock.current_segment_id() == "intro"


def test_next_on_the_last_segment_ends_the_session_and_back_reopens_it() -> None:
    """The session ends after the last segment; back reopens it with time kept."""
    clock = started()
    clock.command("next", T0 + 300)
    clock.command("next", T0 + 900)
    clock.command("next", T0 + 1800)
    assert clock.phase(T0 + 1900) == "finished"
    assert clock.current_segment_id() is None
    assert clock.projected_end(T0 + 1900) == T0 + 1800
    with pytest.raises(ClockError):
        clock.command("next", T0 + 1901)
    clock.command("back", T0 + 1950)
    assert clock.current_segment_id() == "qa"
    assert clock.left(T0 + 1950) == 0


def test_restart_replays_events_and_resumes_mid_segment() -> None:
    """A hub restarted mid-segment shows the same clock, with the downtime counted."""
    clock = started()
    clock.command("adjust", T0 + 10, 60)
    clock.command("next", T0 + 200)
    clock.command("pause", T0 + 260)
    clock.command("resume", T0 + 300)
    replayed = Clock.replay(AGENDA, list(clock.events))
    later = T0 + 400  # the hub was down from 350 to 400: time still ran on stage
    assert replayed.current_segment_id() == "deep"
    assert replayed.left(later) == clock.left(later) == 600 - 160
    assert replayed.allowance(0) == 360
    assert replayed.projected_end(later) == clock.projected_end(later)
    assert replayed.snapshot(later) == clock.snapshot(later)


def test_report_gives_planned_and_actual_for_every_segment() -> None:
    """The export can read planned and actual start, end and duration of each segment."""
    clock = started()
    clock.command("pause", T0 + 100)
    clock.command("resume", T0 + 160)
    clock.command("next", T0 + 400)
    rows = clock.report(T0 + 500)
    assert rows[0] == {
        "id": "intro",
        "title": "intro",
        "planned": 300,
        "allowance": 300,
        "actual_start": T0,
        "actual_end": T0 + 400,
        "actual": 340,
        "visits": [(T0, T0 + 400)],
    }
    assert rows[1]["actual_start"] == T0 + 400
    assert rows[1]["actual_end"] is None  # still running
    assert rows[1]["actual"] == 100
    assert rows[2]["actual"] is None  # never started


def _dated(starts_at: str) -> Clock:
    return Clock(
        parse_agenda(
            f"""
title = "Dated talk"
starts_at = "{starts_at}"
[[segment]]
id = "only"
duration = "10m"
"""
        )
    )


def test_plan_is_anchored_on_the_agenda_start_when_the_session_starts_near_it() -> None:
    """Starting five minutes late shows the session five minutes behind its plan."""
    clock = _dated("2026-04-14T10:30:00+02:00")
    planned_start = clock.agenda.starts_at.timestamp()  # type: ignore[union-attr]
    clock.command("start", planned_start + 300)
    assert clock.planned_end(planned_start + 400) == planned_start + 600
    assert clock.projected_end(planned_start + 400) - clock.planned_end(planned_start + 400) == 300


def test_plan_of_a_reused_agenda_from_another_day_counts_from_the_actual_start() -> None:
    """A rehearsal months after the agenda's date is not reported as months late."""
    clock = _dated("2026-04-14T10:30:00+02:00")
    later = clock.agenda.starts_at.timestamp() + 200 * 86400  # type: ignore[union-attr]
    assert clock.planned_end(later) == later + 600
    clock.command("start", later + 50)
    assert clock.planned_end(later + 100) == later + 50 + 600


def test_absurd_extensions_are_refused() -> None:
    """Extending by more than a day is an error, so a typo cannot break the clock."""
    clock = started()
    with pytest.raises(ClockError):
        clock.command("adjust", T0 + 1, 10**309)
    with pytest.raises(ClockError):
        clock.command("adjust", T0 + 1, 24 * 3600 + 1)
    assert clock.allowance(0) == 300


def test_wall_clock_set_back_mid_segment_does_not_eat_running_time() -> None:
    """The wall clock set back two minutes: a pause after 80 s still shows 80 s spent."""
    clock = Clock(AGENDA)
    clock.command("start", T0, wall=T0)
    # 80 s pass on the monotonic clock; meanwhile NTP sets the wall clock back 120 s.
    clock.command("pause", T0 + 80, wall=T0 + 80 - 120)
    assert clock.segment_elapsed(0, T0 + 500) == 80
    assert clock.left(T0 + 500) == 220
    # The record keeps the wall clock's times, as the room saw them.
    assert clock.started_at == T0
    assert clock.paused_at == T0 - 40


def test_wall_clock_jumping_forward_an_hour_adds_no_overtime() -> None:
    """The wall clock jumps an hour ahead: ten seconds in, the segment is ten seconds in."""
    clock = Clock(AGENDA)
    clock.command("start", T0, wall=T0)
    clock.command("pause", T0 + 10, wall=T0 + 3610)
    assert clock.segment_elapsed(0, T0 + 10) == 10
    assert clock.phase(T0 + 10) == "paused"
    snapshot = clock.snapshot(T0 + 10, wall=T0 + 3610)
    assert snapshot["elapsed"] == 10
    assert snapshot["server_time"] == T0 + 3610


def test_session_time_continues_from_the_last_event_by_the_wall_clock() -> None:
    """After a restart, time still counts from the last change, as it ran on stage."""
    clock = Clock(AGENDA)
    assert clock.session_time_at(T0) == T0  # nothing stored: the wall clock is the start
    clock.command("start", 500.0, wall=T0)  # session time and wall clock differ
    clock.command("adjust", 530.0, 60, wall=T0 + 30)
    assert clock.session_time_at(T0 + 100) == 600.0
    # A wall clock set back while the hub was down never runs time backwards.
    assert clock.session_time_at(T0 - 50) == 530.0
    replayed = Clock.replay(
        AGENDA, [Event.from_stored(e.at, e.stored_kind, e.to_data()) for e in clock.events]
    )
    assert replayed.segment_elapsed(0, 600.0) == clock.segment_elapsed(0, 600.0) == 100


def test_events_stored_before_session_time_read_their_wall_time() -> None:
    """A database from an older Fireside replays with its wall times, as before."""
    events = [
        Event.from_stored(T0, "clock.start", {}),
        Event.from_stored(T0 + 60, "clock.pause", {}),
    ]
    clock = Clock.replay(AGENDA, events)
    assert clock.segment_elapsed(0, T0 + 100) == 60


def test_a_revisited_segment_reports_each_visit_and_no_ranges_overlap() -> None:
    """After back and next again, each segment lists its own visits, one after another."""
    clock = started()
    clock.command("next", T0 + 60)  # pressed too early
    clock.command("back", T0 + 70)
    clock.command("next", T0 + 120)
    rows = clock.report(T0 + 180)
    assert rows[0]["visits"] == [(T0, T0 + 60), (T0 + 70, T0 + 120)]
    assert rows[0]["actual"] == 110
    assert rows[1]["visits"] == [(T0 + 60, T0 + 70), (T0 + 120, None)]
    assert rows[1]["actual"] == 70
    assert rows[2]["visits"] == []
    spans = sorted(
        (start, T0 + 180 if end is None else end) for row in rows for start, end in row["visits"]
    )
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
