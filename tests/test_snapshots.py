"""Snapshot tests of the dashboard and the stage screen on a realistic session.

The session (40 questions: long ones, non-Latin ones, emoji, every state, a merge, an edit,
a paused clock) is built through a real hub with a frozen clock, so the screens are the same
on every run. The SVGs in ``__snapshots__`` were reviewed by eye before they were committed;
after a deliberate change, review the new ones and accept them with
``pytest tests/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fireside.dashboard.app import make_app
from fireside.dashboard.stage import StageApp

from .dashboard_helpers import until
from .session_fixture import TOKEN, start_session_hub

JOIN = "pipx run fireside-ask 192.168.1.20"
JOIN_URL = "http://192.168.1.20:8765/"


@pytest.fixture(scope="module")
def session_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    runner, url = start_session_hub(Path(tmp_path_factory.mktemp("snap")) / "session.db")
    yield url
    runner.stop()


async def _ready(pilot: Any) -> None:
    # Fails here, saying why, if the welcome never comes (not later, as a confusing diff).
    app = pilot.app
    await until(pilot, lambda: app.model.ready and app.model.clock is not None, what="welcome")
    await pilot.pause(0.1)


def test_dashboard_at_120x35(snap_compare: Any, session_url: str) -> None:
    """The main screen at 120x35: inbox, queue, preview, on air and the paused clock."""
    app = make_app(session_url, TOKEN, join_command=JOIN, join_url=JOIN_URL)
    assert snap_compare(app, terminal_size=(120, 35), run_before=_ready)


def test_dashboard_at_80x24(snap_compare: Any, session_url: str) -> None:
    """The main screen still reads at 80x24: nothing cut off mid-word or overlapping."""
    app = make_app(session_url, TOKEN, join_command=JOIN, join_url=JOIN_URL)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_ready)


def test_dashboard_at_100x30(snap_compare: Any, session_url: str) -> None:
    """At 100x30 (the README's capture) the lists keep most of each question's text."""
    app = make_app(session_url, TOKEN, join_command=JOIN, join_url=JOIN_URL)
    assert snap_compare(app, terminal_size=(100, 30), run_before=_ready, press=["tab"])


def test_full_text_window(snap_compare: Any, session_url: str) -> None:
    """v opens the highlighted question (here the 500-character one) in full."""
    app = make_app(session_url, TOKEN, join_command=JOIN, join_url=JOIN_URL)
    assert snap_compare(
        app, terminal_size=(80, 24), run_before=_ready, press=["tab", "down", "down", "v"]
    )


def test_help_screen(snap_compare: Any, session_url: str) -> None:
    """? lists every key with what it does."""
    app = make_app(session_url, TOKEN, join_command=JOIN, join_url=JOIN_URL)
    assert snap_compare(app, terminal_size=(120, 35), run_before=_ready, press=["question_mark"])


def test_stage_screen(snap_compare: Any, session_url: str) -> None:
    """The speakers' screen: the clock, the segment and the question on air, large."""
    assert snap_compare(StageApp(session_url), terminal_size=(120, 35), run_before=_ready)


def test_stage_screen_at_80x24(snap_compare: Any, session_url: str) -> None:
    """The speakers' screen on a small terminal."""
    assert snap_compare(StageApp(session_url), terminal_size=(80, 24), run_before=_ready)
