"""The clock panel: the current segment's title, prompt, time left, progress, session end."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Digits, ProgressBar, Static

from .format import clock_time, drift_minutes, mmss
from .widgets import set_text

FIRST_PHASE = "ready"


class ClockPanel(Vertical):
    """The current segment: title, prompt, a big mm:ss, progress, and the session's end."""

    DEFAULT_CSS = """
    ClockPanel { height: 1fr; border: heavy $secondary; padding: 0 1; }
    ClockPanel #segment-title { text-style: bold; height: 1; text-wrap: nowrap;
                                text-overflow: ellipsis; }
    ClockPanel #segment-prompt { height: 2; color: $text-muted; }
    ClockPanel Digits { width: auto; }
    ClockPanel ProgressBar { height: 1; }
    ClockPanel ProgressBar Bar { width: 1fr; }
    ClockPanel #session-line { height: 2; text-wrap: nowrap; text-overflow: ellipsis; }
    ClockPanel #upcoming { height: 1; color: $text-muted; text-wrap: nowrap;
                           text-overflow: ellipsis; }
    ClockPanel.-wrapup { border: heavy $warning; }
    ClockPanel.-wrapup Digits { color: $warning; }
    ClockPanel.-overtime { border: heavy $error; }
    ClockPanel.-overtime Digits { color: $error; text-style: bold; }
    ClockPanel.-paused Digits { color: $text-muted; }
    """

    phase: reactive[str] = reactive(FIRST_PHASE)
    """ready, running, wrapup, overtime, paused or finished: drives the colours."""

    def __init__(self, *, id: str | None = None) -> None:
        # Born in its first phase's class: the watcher's first call then changes nothing,
        # instead of restyling the whole panel once it is mounted.
        super().__init__(id=id, classes=f"-{FIRST_PHASE}")

    def compose(self) -> ComposeResult:
        yield Static(id="segment-title")
        yield Static(id="segment-prompt")
        yield Digits("--:--", id="count")
        yield ProgressBar(total=100, show_eta=False, show_percentage=False, id="progress")
        yield Static(id="session-line")
        yield Static(id="upcoming")

    def watch_phase(self, old: str, new: str) -> None:
        self.remove_class(f"-{old}")
        self.add_class(f"-{new}")

    def show(self, view: dict[str, Any] | None, timezone: tzinfo | None) -> None:
        title = self.query_one("#segment-title", Static)
        prompt = self.query_one("#segment-prompt", Static)
        count = self.query_one("#count", Digits)
        progress = self.query_one("#progress", ProgressBar)
        session = self.query_one("#session-line", Static)
        upcoming = self.query_one("#upcoming", Static)
        if view is None:
            self.border_title = "Clock"
            set_text(title, Text("Waiting for the hub…", style="dim"))
            return
        self.phase = view["phase"]
        border_title = {
            "ready": "Clock · n or ␣ starts",
            "paused": "Clock · PAUSED",
            "wrapup": "Clock · WRAP UP",
            "overtime": "Clock · OVERTIME",
            "finished": "Clock · session over",
        }.get(view["phase"], "Clock")
        border_subtitle = f"{view['index'] + 1}/{view['count']} · n ␣ + - b"
        if (self.border_title, self.border_subtitle) != (border_title, border_subtitle):
            self.border_title, self.border_subtitle = border_title, border_subtitle
        set_text(title, Text(view["title"], no_wrap=True, overflow="ellipsis"))
        set_text(prompt, Text(view["prompt"]))
        left = view["left"]
        if view["phase"] == "finished":
            digits = "--:--"  # no segment is running: a count here would read as time left
        else:
            digits = ("+" + mmss(-left)) if left < 0 else mmss(left)
        if count.value != digits:
            count.update(digits)
        total = max(1.0, view["allowance"])
        done = round(min(view["elapsed"], view["allowance"]))
        if (progress.total, progress.progress) != (total, done):
            progress.update(total=total, progress=done)
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(f"Session left {mmss(view['session_left'])}\n", style="bold")
        line.append(f"Ends {clock_time(view['projected_end'], timezone)}")
        if view.get("planned_end"):
            drift = view["projected_end"] - view["planned_end"]
            line.append(f" · plan {clock_time(view['planned_end'], timezone)} · ")
            line.append(drift_minutes(drift), style="bold red" if drift >= 60 else "bold green")
        set_text(session, line)
        set_text(
            upcoming,
            Text(
                "next: " + " · ".join(view["upcoming"]) if view["upcoming"] else "last segment",
                no_wrap=True,
                overflow="ellipsis",
            ),
        )
