"""The speakers' screen: read-only, large type, no pending or rejected questions ever.

It connects with the ``stage`` role, so the hub never sends it anything an attendee could
not see: the hub, not this screen, is what keeps hidden questions hidden.

The screen is about the question on air: speakers read it from a distance. It gets every
row the clock does not need, bold, centred and wrapped. The big clock is shown only while
the whole question still fits beside it; otherwise the clock shrinks to one line above the
question (``-compact``), and a question longer than even that room ends in an ellipsis.
Once the session is over, no question is shown as on air, whatever the hub last said.

Large type is the terminal's own: the stage machine's font size sets how big the letters
are. ASCII-art fonts (FIGlet) were tried and left out: a sentence in them is slower to read
than the same sentence in plain bold type, and they have no glyphs for most scripts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.widgets import Digits, Static

from fireside_ask import protocol as p

from ..clockview import clock_view
from .format import clock_time, mmss, session_timezone
from .link import HubLink
from .messages import HubMessage, LinkStatus
from .model import Model
from .theme import HIGH_CONTRAST

# Rows and columns the layouts below take from the question (keep in step with STAGE_CSS).
ROOMY_ROWS = 1 + 5 + 2 + 2 + 2  # top bar, big clock, segment, card border, card padding
ROOMY_COLUMNS = 2 + 8  # card border, card padding
COMPACT_ROWS = 1 + 2  # the one-line clock, card border
COMPACT_COLUMNS = 2 + 2

STAGE_CSS = """
Screen { layout: vertical; }
#stage-top { height: 1; padding: 0 2; background: $panel; }
#stage-title { width: 1fr; text-style: bold; }
#stage-status { width: auto; }
#stage-clock-row { height: 5; align: center middle; }
#stage-count { width: auto; }
#stage-segment { height: 2; content-align: center middle; text-style: bold; }
#stage-line {
    display: none; height: 1; padding: 0 1; background: $panel;
    text-wrap: nowrap; text-overflow: ellipsis;
}
#stage-on-air {
    height: 1fr; border: heavy $accent; padding: 1 4; content-align: center middle;
    text-align: center; text-style: bold;
}
Screen.-compact #stage-top, Screen.-compact #stage-clock-row,
Screen.-compact #stage-segment { display: none; }
Screen.-compact #stage-line { display: block; }
Screen.-compact #stage-on-air { padding: 0 1; }
Screen.-wrapup #stage-count { color: $warning; }
Screen.-overtime #stage-count { color: $error; }
Screen.-paused #stage-count { color: $text-muted; }
"""

PHASE_LABELS = {
    "paused": "PAUSED",
    "wrapup": "WRAP UP",
    "overtime": "OVERTIME",
    "ready": "not started",
    "finished": "session over",
}


class StageApp(App[None]):
    """Large-type screen for the speakers: the question on air, the clock and the segment."""

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

    def compose(self) -> ComposeResult:
        with Horizontal(id="stage-top"):
            yield Static(id="stage-title")
            yield Static(id="stage-status")
        with Vertical(id="stage-clock-row"):
            yield Digits("--:--", id="stage-count")
        yield Static(id="stage-segment")
        yield Static(id="stage-line")
        yield Static(id="stage-on-air")

    def on_mount(self) -> None:
        self.run_worker(self.link.run(), name="hub-link", group="connect", exclusive=True)
        self.set_interval(0.25, self.refresh_view)
        self.refresh_view()

    def on_resize(self, event: Resize) -> None:
        self.refresh_view()

    def on_hub_message(self, message: HubMessage) -> None:
        if self.model.apply(message.payload):
            self.refresh_view()

    def on_link_status(self, message: LinkStatus) -> None:
        self.status = message.status
        self.refresh_view()

    def on_air_question(self, view: dict[str, Any] | None) -> dict[str, Any] | None:
        """The question to show as on air: none once the session is over."""
        model = self.model
        if model.on_air is None or (view is not None and view["phase"] == "finished"):
            return None
        return model.questions.get(model.on_air)

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
        for phase in ("wrapup", "overtime", "paused"):
            self.screen.set_class(view is not None and view["phase"] == phase, f"-{phase}")
        on_air = self.on_air_question(view)
        card = self.query_one("#stage-on-air", Static)
        if on_air is None:
            over = view is not None and view["phase"] == "finished"
            card.border_title = "ON AIR"
            text = Text(
                "The session is over. Thank you!" if over else "No audience question on air.",
                style="dim",
                justify="center",
            )
        else:
            card.border_title = f"ON AIR · #{on_air['id']} · {on_air.get('votes', 0)} votes"
            text = Text(on_air["text"], justify="center")
        compact = self._needs_compact(text)
        self.screen.set_class(compact, "-compact")
        columns, rows = self._question_room(compact)
        card.update(self._fit(text, columns, rows))
        self._show_clock(view, timezone, status)

    def _question_room(self, compact: bool) -> tuple[int, int]:
        """Columns and rows the question gets in the roomy or the compact layout."""
        width, height = self.size
        if compact:
            return max(1, width - COMPACT_COLUMNS), max(1, height - COMPACT_ROWS)
        return max(1, width - ROOMY_COLUMNS), max(1, height - ROOMY_ROWS)

    def _needs_compact(self, text: Text) -> bool:
        """Whether the question would not fit whole beside the big clock."""
        columns, rows = self._question_room(compact=False)
        return self.size.height < ROOMY_ROWS + 1 or self._lines(text, columns) > rows

    def _lines(self, text: Text, columns: int) -> int:
        return len(text.wrap(self.console, columns))

    def _fit(self, text: Text, columns: int, rows: int) -> Text:
        """``text`` wrapped to ``columns`` and ``rows``: with a blank line between lines
        when there is room for that (easier to read from afar), else cut with an ellipsis
        if it is longer than ``rows``."""
        lines = list(text.wrap(self.console, columns, justify="left"))
        for line in lines:
            line.rstrip()
        if 2 * len(lines) - 1 <= rows:
            return Text("\n\n").join(lines)
        if len(lines) > rows:
            lines = lines[:rows]
            lines[-1].truncate(max(0, columns - 1))
            lines[-1].append("…")
        return Text("\n").join(lines)

    def _show_clock(self, view: dict[str, Any] | None, timezone: Any, status: str) -> None:
        count = self.query_one("#stage-count", Digits)
        segment = self.query_one("#stage-segment", Static)
        line = self.query_one("#stage-line", Static)
        if view is None:
            count.update("--:--")
            segment.update("")
            line.update(Text(status or "Waiting for the hub…", style="bold red" if status else ""))
            return
        left = view["left"]
        over = view["phase"] == "finished"
        # After the end there is no segment to count down: no stale allowance on screen.
        shown = "--:--" if over else ("+" + mmss(-left)) if left < 0 else mmss(left)
        count.update(shown)
        label = PHASE_LABELS.get(view["phase"])
        ends = (
            f"{'ended' if over else 'session ends'} {clock_time(view['projected_end'], timezone)}"
        )

        big = Text(justify="center")
        big.append(view["title"], style="bold")
        if label:
            big.append("  ")
            big.append(f" {label} ", style="bold reverse")
        big.append(f"   ·   {ends}", style="dim")
        segment.update(big)

        # The one-line clock: time first, so that it is what survives a narrow screen.
        small = Text(no_wrap=True, overflow="ellipsis")
        theme = self.current_theme
        colour = {"wrapup": theme.warning, "overtime": theme.error}.get(view["phase"])
        small.append(f" {shown} ", style=f"bold black on {colour}" if colour else "bold reverse")
        if label:
            small.append(f" {label}", style="bold")
        if status:
            small.append(f" {status}", style="bold red")
        small.append(f" · {view['title']}", style="bold")
        small.append(f" · {ends}", style="dim")
        line.update(small)
