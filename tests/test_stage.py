"""The speakers' screen (``fireside stage``) with a long question on air, at three sizes.

The hub runs on its own thread with a frozen wall clock and the stage with a frozen
monotonic clock, so the count on screen is the same on every run. After a deliberate
change, review the new SVGs and accept them with
``pytest tests/test_stage.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.widgets import Digits, Static

from fireside.dashboard.stage import StageApp
from fireside.hub import HubConfig
from fireside.runner import HubThread

from .dashboard_helpers import until
from .export_session import Wire
from .session_fixture import LONG, START, TOKEN


def start_stage_hub(db_path: Path) -> tuple[HubThread, str, list[float]]:
    """The reference agenda 45 s into its first segment, with LONG on air."""
    now = [START]
    runner = HubThread(
        HubConfig(db_path=db_path, host="127.0.0.1", port=0, token=TOKEN),
        clock=lambda: now[0],
        monotonic=lambda: now[0],
    )
    hub = runner.start()
    url = f"ws://127.0.0.1:{hub.port}"
    attendee = Wire(url, name="Jakob")
    question = attendee.request({"type": "ask", "text": LONG})["question_id"]
    attendee.close()
    moderator = Wire(url, role="moderator", token=TOKEN)
    moderator.request({"type": "approve", "question_id": question})
    moderator.request({"type": "on_air", "question_id": question})
    moderator.request({"type": "clock", "action": "start"})
    now[0] = START + 45
    moderator.request({"type": "clock", "action": "pause"})
    moderator.request({"type": "clock", "action": "resume"})
    moderator.close()
    return runner, url, now


@pytest.fixture(scope="module")
def stage_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    runner, url, _ = start_stage_hub(Path(tmp_path_factory.mktemp("stage")) / "stage.db")
    yield url
    runner.stop()


async def on_air_shown(pilot: Any) -> None:
    app = pilot.app
    await until(pilot, lambda: app.model.clock is not None and app.model.on_air is not None)
    await pilot.pause()


def card_text(app: StageApp) -> str:
    content = app.query_one("#stage-on-air", Static).content
    return content.plain if isinstance(content, Text) else str(content)


def words(text: str) -> str:
    return " ".join(text.split())


def test_stage_at_100x30_shows_the_whole_question_with_the_big_clock(
    snap_compare: Any, stage_url: str
) -> None:
    """At 100x30 the long question is wrapped whole, bold and centred, under the big clock."""
    app = StageApp(stage_url, monotonic=lambda: 0.0)
    assert snap_compare(app, terminal_size=(100, 30), run_before=on_air_shown)


def test_stage_at_50x15_gives_the_question_the_room_and_a_one_line_clock(
    snap_compare: Any, stage_url: str
) -> None:
    """At 50x15 the clock shrinks to one line so that the question is read whole."""
    app = StageApp(stage_url, monotonic=lambda: 0.0)
    assert snap_compare(app, terminal_size=(50, 15), run_before=on_air_shown)


def test_stage_at_40x12_keeps_the_question_before_the_clock(
    snap_compare: Any, stage_url: str
) -> None:
    """At 40x12 the question still fills the screen (cut with …), the clock is one line."""
    app = StageApp(stage_url, monotonic=lambda: 0.0)
    assert snap_compare(app, terminal_size=(40, 12), run_before=on_air_shown)


@pytest.mark.anyio
async def test_stage_question_fits_or_ends_in_an_ellipsis_at_every_size(stage_url: str) -> None:
    """At any size the question is on screen: whole when it fits, else cut with an ellipsis."""
    app = StageApp(stage_url, monotonic=lambda: 0.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await on_air_shown(pilot)
        assert not app.screen.has_class("-compact")
        whole = " ".join(LONG.split())
        assert words(card_text(app)) == whole
        for size in ((50, 15), (40, 12), (30, 8)):
            await pilot.resize_terminal(*size)
            await until(pilot, lambda size=size: app.size == size)
            columns = size[0] - 4  # the card's border and padding
            # The question is whole, or cut with an ellipsis into lines that fit the card.
            await until(
                pilot,
                lambda columns=columns: (
                    app.screen.has_class("-compact")
                    and (
                        words(card_text(app)) == whole
                        or card_text(app).endswith("…")
                        and max(map(len, card_text(app).splitlines())) <= columns
                    )
                ),
                what=f"the question laid out at {size}",
            )
            assert whole.startswith(words(card_text(app)).rstrip("…")), size


@pytest.mark.anyio
async def test_stage_clears_the_question_when_the_session_ends(tmp_path: Path) -> None:
    """When the last segment ends, the stage stops showing the question as on air."""
    runner, url, now = start_stage_hub(tmp_path / "end.db")
    try:
        app = StageApp(url, monotonic=lambda: 0.0)
        async with app.run_test(size=(100, 30)) as pilot:
            await on_air_shown(pilot)
            assert "regulated insurance" in card_text(app)
            moderator = Wire(url, role="moderator", token=TOKEN)
            for _ in range(len(app.model.session["segments"])):
                now[0] += 60
                moderator.request({"type": "clock", "action": "next"})
            await until(pilot, lambda: (app.model.clock or {}).get("state") == "finished")
            await until(pilot, lambda: "regulated insurance" not in card_text(app))
            assert "session is over" in card_text(app)
            assert app.query_one("#stage-count", Digits).value == "--:--"
            # Going back reopens the last segment: the question on air shows again.
            moderator.request({"type": "clock", "action": "back"})
            await until(pilot, lambda: "regulated insurance" in card_text(app))
            moderator.close()
    finally:
        runner.stop()
