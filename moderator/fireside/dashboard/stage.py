"""The speakers' screen: read-only, large type, no pending or rejected questions ever.

It connects with the ``stage`` role, so the hub never sends it anything an attendee could
not see: the hub, not this screen, is what keeps hidden questions hidden.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from fireside_ask import protocol as p

from .app import HIGH_CONTRAST
from .format import clock_time, mmss, session_timezone
from .link import HubLink
from .messages import HubMessage, LinkStatus
from .model import Model
from .widgets import clock_view

STAGE_CSS = """
Screen { layout: vertical; }
#stage-top { height: 1; padding: 0 2; background: $panel; }
#stage-title { width: 1fr; text-style: bold; }
#stage-status { width: auto; }
#stage-clock-row { height: 7; align: center middle; }
#stage-count { width: auto; }
#stage-segment { height: 2; content-align: center middle; text-style: bold; }
#stage-on-air {
    height: 1fr; border: heavy $accent; padding: 1 4; content-align: center middle;
    text-style: bold;
}
Screen.-wrapup #stage-count { color: $warning; }
Screen.-overtime #stage-count { color: $error; }
Screen.-paused #stage-count { color: $text-muted; }
"""


class StageApp(App[None]):
    """Large-type screen for the speakers: the clock, the segment and the question on air."""

    CSS = STAGE_CSS
    TITLE = "Fireside stage"
    BINDINGS = [Binding("q", "quit", "Quit", id="stage.quit")]

    def __init__(self, url: str, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.model = Model(monotonic=monotonic)
        self.status = "connecting"
        self.link = HubLink(
            url,
            role=p.STAGE,
            on_message=lambda message: self.post_message(HubMessage(message)),
            on_status=lambda status, detail: self.post_message(LinkStatus(status, detail)),
        )
        self.register_theme(HIGH_CONTRAST)
        self.theme = "fireside-contrast"
        self._phase = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="stage-top"):
            yield Static(id="stage-title")
            yield Static(id="stage-status")
        with Vertical(id="stage-clock-row"):
            yield Digits("--:--", id="stage-count")
        yield Static(id="stage-segment")
        yield Static(id="stage-on-air")

    def on_mount(self) -> None:
        self.run_worker(self.link.run(), name="hub-link", group="connect", exclusive=True)
        self.set_interval(0.25, self.refresh_view)
        self.refresh_view()

    def on_hub_message(self, message: HubMessage) -> None:
        if self.model.apply(message.payload):
            self.refresh_view()

    def on_link_status(self, message: LinkStatus) -> None:
        self.status = message.status
        self.refresh_view()

    def refresh_view(self) -> None:
        model = self.model
        timezone = session_timezone(model.session.get("starts_at"))
        title = Text(model.session.get("title", "Fireside"), no_wrap=True, overflow="ellipsis")
        self.query_one("#stage-title", Static).update(title)
        status = "" if self.status == "online" else "reconnecting…"
        self.query_one("#stage-status", Static).update(Text(status, style="bold red"))
        view = clock_view(
            model.clock, model.clock_received, model.monotonic(), model.session.get("segments", [])
        )
        self._show_clock(view, timezone)
        on_air: dict[str, Any] | None = model.questions.get(model.on_air) if model.on_air else None
        card = self.query_one("#stage-on-air", Static)
        if on_air is None:
            card.border_title = "ON AIR"
            card.update(Text("No audience question on air.", style="dim"))
        else:
            card.border_title = f"ON AIR · #{on_air['id']} · {on_air.get('votes', 0)} votes"
            card.update(Text(on_air["text"]))

    def _show_clock(self, view: dict[str, Any] | None, timezone: Any) -> None:
        count = self.query_one("#stage-count", Digits)
        segment = self.query_one("#stage-segment", Static)
        if view is None:
            count.update("--:--")
            segment.update("")
            return
        left = view["left"]
        count.update(("+" + mmss(-left)) if left < 0 else mmss(left))
        for phase in ("wrapup", "overtime", "paused"):
            self.screen.set_class(view["phase"] == phase, f"-{phase}")
        line = Text(justify="center")
        line.append(view["title"], style="bold")
        label = {
            "paused": "PAUSED",
            "wrapup": "WRAP UP",
            "overtime": "OVERTIME",
            "ready": "not started",
            "finished": "session over",
        }.get(view["phase"])
        if label:
            line.append("  ")
            line.append(f" {label} ", style="bold reverse")
        line.append(
            f"   ·   session ends {clock_time(view['projected_end'], timezone)}", style="dim"
        )
        segment.update(line)
