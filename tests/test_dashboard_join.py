"""The dashboard tells the room how to join: the page's address in the header and as a QR code."""

from __future__ import annotations

from typing import Any

import pytest
import segno
from textual.widgets import Static

from fireside.dashboard.qr import qr_text
from fireside.dashboard.screens import HelpScreen, JoinScreen
from fireside.dashboard.widgets import SessionHeader
from fireside.hub import Hub
from fireside.joining import join_command

from .dashboard_helpers import JOIN, JOIN_URL, dashboard, region_text, text_of

pytestmark = pytest.mark.anyio


async def test_header_shows_the_page_address_and_j_shows_it_as_a_qr_code(
    hub: Hub, url: str
) -> None:
    """The header reads "Join: http://…/ · pipx …"; j projects the address as a QR code."""
    async with dashboard(url) as (app, pilot):
        header = app.dashboard.query_one(SessionHeader)
        left = text_of(header.query_one("#header-left"))  # type: ignore[arg-type]
        assert f"Join: {JOIN_URL} · {JOIN}" in left
        await pilot.press("j")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, JoinScreen)
        drawn = text_of(screen.query_one("#join-qr", Static))
        assert drawn == qr_text(JOIN_URL, scale=2).plain  # 120x35 has room for double size
        assert JOIN_URL in text_of(screen.query_one("#join-url", Static))
        qr_region = screen.query_one("#join-qr").region
        assert qr_region.bottom <= 35 and qr_region.right <= 120, "the code fits on screen"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, JoinScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert any(b.id == "join-qr" for b in app.screen.bindings_shown)


async def test_at_80x24_the_join_window_shows_the_whole_terminal_command(
    hub: Hub, url: str
) -> None:
    """At 80x24 the long pipx command under the QR code wraps; none of it is cut off."""
    command = join_command("192.0.2.2", 8765)  # the real, long form with the wheel's URL
    async with dashboard(url, size=(80, 24), join_command=command) as (app, pilot):
        await pilot.press("j")
        await pilot.pause()
        assert isinstance(app.screen, JoinScreen)
        shown = "".join(region_text(app, app.screen.query_one("#join-box")).split())
        assert "".join(command.split()) in shown


async def test_a_remote_dashboard_shows_the_page_address_the_hub_sent(hub: Hub, url: str) -> None:
    """A dashboard given no address shows the one the hub sent in its welcome."""
    options: dict[str, Any] = {"join_command": "", "join_url": ""}
    async with dashboard(url, **options) as (app, _):
        left = text_of(app.dashboard.query_one(SessionHeader).query_one("#header-left"))  # type: ignore[arg-type]
        assert hub.page_url() in left and hub.join_command() in left


def test_the_qr_code_decodes_to_the_same_modules_as_segno() -> None:
    """Each text line holds two module rows: ▀ top, ▄ bottom, █ both, in a quiet zone."""
    code = segno.make(JOIN_URL, error="m")
    rows = [[bool(m) for m in row] for row in code.matrix_iter(border=2)]
    lines = qr_text(JOIN_URL).plain.split("\n")
    assert len(lines) == (len(rows) + 1) // 2
    for index, line in enumerate(lines):
        for column, char in enumerate(line):
            top = rows[2 * index][column]
            bottom = rows[2 * index + 1][column] if 2 * index + 1 < len(rows) else False
            assert char == {(0, 0): " ", (1, 0): "▀", (0, 1): "▄", (1, 1): "█"}[top, bottom]


def test_the_double_size_qr_code_draws_each_module_as_two_columns() -> None:
    """At scale 2 each line is one module row and each module two columns: █████ or blank."""
    code = segno.make(JOIN_URL, error="m")
    rows = [[bool(m) for m in row] for row in code.matrix_iter(border=2)]
    lines = qr_text(JOIN_URL, scale=2).plain.split("\n")
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows, strict=True):
        assert line == "".join("██" if dark else "  " for dark in row)


@pytest.mark.parametrize(("size", "scale"), [((120, 35), 2), ((80, 24), 1)])
async def test_the_join_code_is_drawn_as_large_as_the_screen_allows(
    hub: Hub, url: str, size: tuple[int, int], scale: int
) -> None:
    """On a big terminal (a projector) the code is twice as large; on 80x24 it still fits."""
    async with dashboard(url, size=size) as (app, pilot):
        await pilot.press("j")
        await pilot.pause()
        assert isinstance(app.screen, JoinScreen)
        qr = app.screen.query_one("#join-qr", Static)
        assert text_of(qr) == qr_text(JOIN_URL, scale=scale).plain
        assert qr.region.bottom <= size[1] and qr.region.right <= size[0]


@pytest.mark.parametrize("size", [(120, 35), (80, 24)])
async def test_the_join_code_is_centred_above_a_long_command(
    hub: Hub, url: str, size: tuple[int, int]
) -> None:
    """On a projector the code sits in the middle of its window, not against its left edge."""
    command = join_command("192.0.2.2", 8765)  # longer than the code is wide
    async with dashboard(url, size=size, join_command=command) as (app, pilot):
        await pilot.press("j")
        await pilot.pause()
        assert isinstance(app.screen, JoinScreen)
        box = app.screen.query_one("#join-box").region
        qr = app.screen.query_one("#join-qr").region
        assert qr.width < box.width - 10, "the command is wider than the code"
        left, right = qr.x - box.x, box.right - qr.right
        assert abs(left - right) <= 2, (left, right)
        assert box.right <= size[0], "the window fits on screen"
