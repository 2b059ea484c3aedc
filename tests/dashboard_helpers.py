"""Helpers for driving the dashboard with Textual's Pilot against a real hub."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static

from fireside.dashboard.app import DashboardApp, make_app
from fireside.dashboard.table import QuestionTable
from fireside.hub import Hub

from .conftest import TOKEN

JOIN = "pipx run fireside-ask 192.0.2.10"
JOIN_URL = "http://192.0.2.10:8765/"


async def until(
    pilot: Pilot[Any], condition: Callable[[], object], within: float = 15.0, what: str = ""
) -> None:
    """Let the app run until ``condition()`` holds, or fail after ``within`` seconds.

    The default bound is generous: it only decides how long a broken test takes to fail,
    and a loaded machine must not fail a working one.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)


@asynccontextmanager
async def dashboard(
    url: str, size: tuple[int, int] = (120, 35), **options: Any
) -> AsyncIterator[tuple[DashboardApp, Pilot[Any]]]:
    """A dashboard connected to the hub at ``url``, once its welcome has arrived."""
    # Quitting writes the session's record: keep it out of the working directory.
    options.setdefault("record_dir", Path(tempfile.mkdtemp(prefix="fireside-record-")))
    options.setdefault("join_command", JOIN)
    options.setdefault("join_url", JOIN_URL)
    app = make_app(url, TOKEN, **options)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.model.ready, what="the welcome")
        await pilot.pause()
        yield app, pilot


def rows(app: DashboardApp, table: str) -> list[int]:
    """Question ids shown in a list, top to bottom."""
    widget = app.dashboard.query_one(f"#{table}", QuestionTable)
    return [int(str(key.value)) for key in widget.rows]


def row_text(app: DashboardApp, table: str, question_id: int) -> str:
    widget = app.dashboard.query_one(f"#{table}", QuestionTable)
    return " ".join(getattr(cell, "plain", str(cell)) for cell in widget.get_row(str(question_id)))


def text_of(widget: Static) -> str:
    content = widget.content
    return str(getattr(content, "plain", content))


def stored(db_path: Path, question_id: int) -> dict[str, Any]:
    """A question's row as the hub committed it, read through a separate connection."""
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM questions WHERE id = ?", [question_id]).fetchone()
    assert row is not None, f"question {question_id} is not stored"
    return dict(row)


def notices(app: DashboardApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def wait_hub(hub: Hub, condition: Callable[[Hub], object], pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: condition(hub), what="the hub")


def screen_text(app: DashboardApp) -> str:
    """What the terminal shows right now, one line per row (for "is it on screen" checks)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def region_text(app: DashboardApp, widget: Widget) -> str:
    """What the terminal shows inside ``widget``'s region, joined as one line of words."""
    region = widget.region
    strips = app.screen._compositor.render_strips()
    lines = [strip.crop(region.x, region.right).text for strip in strips[region.y : region.bottom]]
    return " ".join(" ".join(lines).split())
