"""The segment clock on the dashboard and the stage, with injected clocks (no waiting).

The hub's wall clock and the dashboard's monotonic clock are both fakes that the test moves
forward, so segments of ten seconds reach wrap-up and overtime instantly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.color import Color
from textual.widgets import Digits

from fireside.agenda import parse_agenda
from fireside.dashboard.app import make_app
from fireside.dashboard.clockpanel import ClockPanel
from fireside.dashboard.stage import StageApp
from fireside.hub import Hub, HubConfig
from fireside.runner import HubThread

from .conftest import TOKEN
from .dashboard_helpers import JOIN, JOIN_URL, notices, stored, until
from .wsclient import RawClient

pytestmark = pytest.mark.anyio

SHORT = parse_agenda(
    """
title = "Lightning talk"
[[segment]]
id = "intro"
title = "Intro"
duration = "10s"
[[segment]]
id = "demo"
title = "Demo"
duration = "10s"
"""
)
T0 = 1_800_000_000.0


class Clocks:
    """The hub's wall clock and the dashboard's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.wall = T0
        self.mono = 100.0
        self.reads = 0
        """How often a screen has read the monotonic clock: each refresh of the clock does."""

    def monotonic(self) -> float:
        self.reads += 1
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
async def short_hub(tmp_path: Path, clocks: Clocks) -> AsyncIterator[Hub]:
    config = HubConfig(
        db_path=tmp_path / "short.db", host="127.0.0.1", port=0, token=TOKEN, agenda=SHORT
    )
    async with Hub(config, clock=lambda: clocks.wall, monotonic=lambda: clocks.mono) as hub:
        yield hub


def near(color: Color, expected: str) -> bool:
    """Within rounding of the theme colour (CSS variables pass through HSL)."""
    target = Color.parse(expected)
    return max(abs(a - b) for a, b in zip(color.rgb, target.rgb, strict=True)) <= 3


def digits_text(panel: ClockPanel) -> str:
    return str(panel.query_one(Digits).value)


async def test_wrapup_and_overtime_colours_and_every_clock_key(
    short_hub: Hub, clocks: Clocks
) -> None:
    """The clock turns amber at wrap-up and red in overtime; n, b, space, + and - work."""
    url = f"ws://127.0.0.1:{short_hub.port}"
    app = make_app(url, TOKEN, join_command=JOIN, join_url=JOIN_URL, monotonic=clocks.monotonic)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.model.ready)
        panel = app.dashboard.query_one(ClockPanel)
        theme = app.current_theme
        await pilot.press("n")
        await until(pilot, lambda: short_hub.clock_model.state == "running")
        await until(pilot, lambda: digits_text(panel) == "00:10")

        clocks.advance(8.5)  # 1.5 s left: wrap-up starts at 20% of 10 s
        await until(pilot, lambda: panel.phase == "wrapup")
        assert panel.has_class("-wrapup")
        assert not near(panel.query_one(Digits).styles.color, theme.error)
        assert digits_text(panel) == "00:02"
        assert near(panel.query_one(Digits).styles.color, theme.warning)

        clocks.advance(2.5)  # one second over
        await until(pilot, lambda: panel.phase == "overtime")
        assert panel.has_class("-overtime") and not panel.has_class("-wrapup")
        assert digits_text(panel) == "+00:01"
        assert near(panel.query_one(Digits).styles.color, theme.error)
        await until(pilot, lambda: any("running over" in n for n in notices(app)))

        await pilot.press("plus")  # one more minute: back out of overtime
        await until(pilot, lambda: short_hub.clock_model.allowance(0) == 70)
        await until(pilot, lambda: panel.phase == "running")
        assert digits_text(panel) == "00:59"

        await pilot.press("minus")
        await until(pilot, lambda: short_hub.clock_model.allowance(0) == 10)
        await until(pilot, lambda: panel.phase == "overtime")

        await pilot.press("space")  # pause: the count stops
        await until(pilot, lambda: short_hub.clock_model.state == "paused")
        await until(pilot, lambda: panel.phase == "paused")
        frozen = digits_text(panel)
        clocks.advance(30)
        # Proof that the clock was redrawn since the 30 s passed, not a guess that it was:
        # two more reads of the clock mean at least one whole refresh after the advance.
        reads = clocks.reads
        await until(pilot, lambda: clocks.reads >= reads + 2)
        assert digits_text(panel) == frozen
        await pilot.press("space")
        await until(pilot, lambda: short_hub.clock_model.state == "running")

        await pilot.press("n")
        await until(pilot, lambda: short_hub.clock_model.current_segment_id() == "demo")
        await until(pilot, lambda: digits_text(panel) == "00:10")
        await pilot.press("b")
        await until(pilot, lambda: short_hub.clock_model.current_segment_id() == "intro")
        await until(pilot, lambda: panel.phase == "overtime")


async def test_after_the_last_segment_the_clock_shows_no_count(
    short_hub: Hub, clocks: Clocks, tmp_path: Path
) -> None:
    """Once the session is over the big clock reads --:--, as the stage does, not a count."""
    url = f"ws://127.0.0.1:{short_hub.port}"
    # The end of the session writes the record: into the test's folder, not the checkout.
    app = make_app(url, TOKEN, join_command=JOIN, monotonic=clocks.monotonic, record_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.model.ready)
        panel = app.dashboard.query_one(ClockPanel)
        for _ in range(3):  # start, then next past the second and last segment
            await pilot.press("n")
        await until(pilot, lambda: short_hub.clock_model.state == "finished")
        await until(pilot, lambda: panel.phase == "finished")
        assert digits_text(panel) == "--:--"
        assert panel.border_title == "Clock · session over"


async def test_questions_record_the_segment_they_arrived_in_and_went_on_air_in(
    short_hub: Hub, clocks: Clocks
) -> None:
    """A question asked during the intro and aired during the demo says both."""
    url = f"ws://127.0.0.1:{short_hub.port}"
    moderator = await RawClient.open(url, role="moderator", token=TOKEN)
    attendee = await RawClient.open(url)
    before = (await attendee.ask("Asked before the start?"))["question_id"]
    await moderator.request({"type": "clock", "action": "start"})
    during = (await attendee.ask("Asked during the intro?"))["question_id"]
    clocks.advance(12)
    await moderator.request({"type": "clock", "action": "next"})
    await moderator.request({"type": "on_air", "question_id": during})
    db = short_hub.config.db_path
    assert stored(db, before)["segment"] is None
    assert stored(db, during)["segment"] == "intro"
    assert stored(db, during)["on_air_segment"] == "demo"
    for client in (moderator, attendee):
        await client.close()


async def overrun(url: str, wall: list[float], before_overrun: Any = None) -> None:
    """Start the short agenda, then move the hub's clock 13 s on: 3 s over the intro.

    Any clock change makes the hub send its state as of now, so two opposite adjustments
    announce the overrun without changing the plan.
    """
    moderator = await RawClient.open(url, role="moderator", token=TOKEN)
    await moderator.request({"type": "clock", "action": "start"})
    if before_overrun is not None:
        await before_overrun()
    wall[0] = T0 + 13
    await moderator.request({"type": "clock", "action": "adjust", "seconds": 60})
    await moderator.request({"type": "clock", "action": "adjust", "seconds": -60})
    await moderator.close()


def short_hub_thread(tmp_path: Path, wall: list[float]) -> HubThread:
    config = HubConfig(
        db_path=tmp_path / "overtime.db", host="127.0.0.1", port=0, token=TOKEN, agenda=SHORT
    )
    return HubThread(config, clock=lambda: wall[0], monotonic=lambda: wall[0])


def test_dashboard_in_overtime_at_80x24(snap_compare: Any, tmp_path: Path) -> None:
    """At 80x24 the clock is readable: segment, a large +mm:ss in red, the session's end."""
    wall = [T0]
    with short_hub_thread(tmp_path, wall) as hub:
        url = f"ws://127.0.0.1:{hub.port}"

        async def start_and_overrun(pilot: Any) -> None:
            await until(pilot, lambda: pilot.app.model.ready)
            panel = pilot.app.dashboard.query_one(ClockPanel)

            async def seen_running() -> None:
                await until(pilot, lambda: panel.phase == "running")

            await overrun(url, wall, seen_running)
            # The overrun notice shows once the clock is seen going from running to over.
            await until(pilot, lambda: any("running over" in n for n in notices(pilot.app)))
            await pilot.pause(0.3)

        app = make_app(url, TOKEN, join_command=JOIN, join_url=JOIN_URL, monotonic=lambda: 0.0)
        assert snap_compare(app, terminal_size=(80, 24), run_before=start_and_overrun)


def test_stage_in_overtime(snap_compare: Any, tmp_path: Path) -> None:
    """The stage shows the overrun in big red digits with OVERTIME beside the segment."""
    wall = [T0]
    with short_hub_thread(tmp_path, wall) as hub:
        url = f"ws://127.0.0.1:{hub.port}"

        async def start_and_overrun(pilot: Any) -> None:
            await overrun(url, wall)
            await until(pilot, lambda: (pilot.app.model.clock or {}).get("elapsed") == 13)
            await pilot.pause(0.3)

        assert snap_compare(
            StageApp(url, monotonic=lambda: 0.0),
            terminal_size=(80, 24),
            run_before=start_and_overrun,
        )
