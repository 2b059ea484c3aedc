"""Getting into the dashboard and letting others in: the token and the join command.

Pilot against a real hub on a loopback port.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from fireside.dashboard.app import DashboardScreen, make_app
from fireside.dashboard.screens import TokenPromptScreen, TokenScreen
from fireside.dashboard.widgets import SessionHeader
from fireside.hub import Hub, HubConfig
from fireside.joining import join_command

from .conftest import TOKEN
from .dashboard_helpers import dashboard, region_text, text_of, until

pytestmark = pytest.mark.anyio


async def test_k_shows_the_moderator_token_masked_until_asked(hub: Hub, url: str) -> None:
    """k opens the token hidden behind dots; s shows it for a co-moderator; esc closes."""
    async with dashboard(url) as (app, pilot):
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, TokenScreen))
        await pilot.pause()
        box = app.screen.query_one("#token-value")
        assert TOKEN not in region_text(app, box)
        assert "•" in region_text(app, box)
        await pilot.press("s")
        await pilot.pause()
        assert TOKEN in region_text(app, box)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_the_token_window_is_readable_whole_at_80x24(hub: Hub, url: str) -> None:
    """At 80x24 the token window's advice wraps instead of being cut mid-word."""
    async with dashboard(url, size=(80, 24)) as (app, pilot):
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, TokenScreen))
        await pilot.pause()
        dialog = app.screen.query_one(".dialog")
        inside = " ".join(region_text(app, dialog).replace("█", " ").split())  # no frame
        assert "(and types it when asked)" in inside


async def test_the_token_key_is_in_the_command_palette(hub: Hub, url: str) -> None:
    """The command palette offers "Moderator token", like every other key."""
    async with dashboard(url) as (app, pilot):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert any(title.startswith("Moderator token (k)") for title in titles)


async def test_a_wrong_token_asks_again_and_the_right_one_connects(
    hub: Hub, url: str, tmp_path: Any
) -> None:
    """A refused token opens a prompt that says why; typing the right one goes live."""
    app = make_app(url, "wrong-token", record_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, TokenPromptScreen), what="the prompt")
        await pilot.pause()
        assert "token is missing or wrong" in region_text(app, app.screen.query_one(".dialog"))
        assert app.screen.query_one(Input).password
        await pilot.press(*TOKEN, "enter")
        await until(pilot, lambda: app.model.ready, what="the welcome")
        header = app.dashboard.query_one(SessionHeader)
        await until(pilot, lambda: "● live" in text_of(header.query_one("#header-right")))  # type: ignore[arg-type]
        assert app.return_code is None


async def test_giving_up_on_a_refused_token_exits_non_zero(
    hub: Hub, url: str, tmp_path: Any
) -> None:
    """esc at the token prompt quits the dashboard with exit status 1 and says why."""
    app = make_app(url, "wrong-token", record_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, TokenPromptScreen), what="the prompt")
        await pilot.press("escape")
        await until(pilot, lambda: app.return_code is not None, what="the exit")
    assert app.return_code == 1


@pytest.fixture
def hub_config(tmp_path: Any) -> HubConfig:
    """A hub that listens on every interface, as on stage (the dashboard uses loopback)."""
    return HubConfig(db_path=tmp_path / "hub.db", host="0.0.0.0", port=0, token=TOKEN)


async def test_a_remote_dashboard_shows_the_hubs_join_command(hub: Hub, url: str) -> None:
    """The header shows the join command the hub prints (its LAN address), not ws://127.0.0.1."""
    app_options: dict[str, Any] = {"join_command": ""}
    async with dashboard(url, **app_options) as (app, pilot):
        header = app.dashboard.query_one(SessionHeader)
        left = text_of(header.query_one("#header-left"))  # type: ignore[arg-type]
        assert join_command("0.0.0.0", hub.port) in left
        assert "ws://" not in left
