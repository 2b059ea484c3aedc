"""The dashboard's widgets. Every piece of attendee text is drawn as a literal ``Text``."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from fireside_ask.text import plural

from .format import clock_time


def set_text(widget: Static, content: Text, *, layout: bool = False) -> None:
    """Update a fixed-size ``Static`` only if its text changed, without a layout pass.

    A layout pass over a table of thousands of rows costs tens of milliseconds, and the
    clock refreshes four times a second: repainting only what changed keeps keys snappy.
    """
    if getattr(widget, "_fireside_last", None) != content:
        widget._fireside_last = content  # type: ignore[attr-defined]
        widget.update(content, layout=layout)


class SessionHeader(Horizontal):
    """Title and join command on the left; link, people and question counts on the right."""

    DEFAULT_CSS = """
    SessionHeader { height: 2; padding: 0 1; background: $panel; color: $foreground; }
    SessionHeader Static { text-wrap: nowrap; text-overflow: ellipsis; }
    SessionHeader #header-left { width: 1fr; }
    SessionHeader #header-right { width: auto; margin-left: 2; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="header-left")
        yield Static(id="header-right")

    def show(
        self, title: str, join: str, status: str, connected: int, counts: dict[str, int]
    ) -> None:
        label, style = {
            "online": ("● live", "bold green"),
            "connecting": ("○ connecting…", "bold yellow"),
            "offline": ("○ reconnecting…", "bold red"),
            "refused": ("✕ refused", "bold red"),
        }.get(status, (status, ""))
        left = Text(no_wrap=True, overflow="ellipsis")
        left.append(title, style="bold")
        left.append("\nJoin: ", style="dim")
        left.append(join, style="bold")
        right = Text(justify="right", no_wrap=True)
        right.append(label, style=style)
        right.append(f"\u00a0· {connected} online")
        right.append(
            f"\n{counts['in']} in · {counts['waiting']} waiting · {counts['answered']} answered"
        )
        set_text(self.query_one("#header-left", Static), left)
        # The right side sizes itself to its text, so it needs a layout pass when it changes.
        set_text(self.query_one("#header-right", Static), right, layout=True)


def question_details(q: dict[str, Any], timezone: tzinfo | None) -> Text:
    """A question in full: who asked and when, its topic, the duplicate hint, text, original.

    Nothing is cut here: the facts line wraps like the text, so the preview and the
    full-text window show every word a moderator approves.
    """
    meta = Text(style="dim")
    votes = q.get("votes", 0)
    meta.append(f"#{q['id']} · {q['state'].replace('_', ' ')} · {plural(votes, 'vote')}")
    meta.append(f" · {q.get('name') or 'anonymous'}")
    meta.append(f" · {clock_time(q['created_at'], timezone)}")
    if q.get("segment"):
        meta.append(f" during {q['segment']}")
    if q.get("topic"):
        meta.append(f" · topic {q['topic']}")
    elif q.get("suggested_topic"):
        why = q.get("suggestion_words")
        meta.append(" · suggested topic ")
        meta.append(str(q["suggested_topic"]), style="italic")
        if why:
            meta.append(f" ({why})")
    lines = [meta]
    if q.get("duplicate_of"):
        # Before the text, so that it shows even when a long question fills the preview.
        lines.append(
            Text(f"possible duplicate of #{q['duplicate_of']} (m to merge)", style="bold yellow")
        )
    lines.append(Text(q["text"]))
    if q.get("edited") and q.get("original_text"):
        was = Text("was: ", style="dim")
        was.append(q["original_text"], style="dim")
        lines.append(was)
    return Text("\n").join(lines)


class QuestionPreview(Static):
    """The highlighted question in full, with who asked, when, and its history."""

    DEFAULT_CSS = """
    QuestionPreview { height: auto; padding: 0 1; }
    """

    def show(self, q: dict[str, Any] | None, timezone: tzinfo | None) -> None:
        if q is None:
            set_text(self, Text("No question selected.", style="dim"), layout=True)
            return
        # The preview grows with the question (up to its box's limit): it needs a layout pass.
        set_text(self, question_details(q, timezone), layout=True)


class OnAirCard(Static):
    """The question on air, in large, clear type."""

    DEFAULT_CSS = """
    OnAirCard { height: 1fr; padding: 0 1; border: heavy $accent; text-style: bold; }
    """

    def show(self, q: dict[str, Any] | None) -> None:
        self.border_title = "ON AIR"
        self.border_subtitle = (
            f"#{q['id']} · {plural(q.get('votes', 0), 'vote')}" if q is not None else ""
        )
        set_text(self, on_air_text(q))


def on_air_text(q: dict[str, Any] | None) -> Text:
    """The on-air question as literal text (the dashboard card and the stage share it)."""
    if q is None:
        return Text("Nothing on air. Highlight a question and press Enter.", style="dim")
    return Text(q["text"], style="bold")


class KeysFooter(Footer):
    """The footer, with ``? Help`` kept on screen however many keys apply.

    On a narrow terminal the question keys fill the line and the last ones are cut; help
    is the key that lists them all, so there it sits on the right edge, where the command
    palette's key sits on wide terminals.
    """

    DEFAULT_CSS = """
    KeysFooter.-narrow FooterKey.-help {
        dock: right; padding-right: 0; border-left: vkey $foreground 20%;
    }
    """

    _shown: tuple[object, ...] | None = None
    """What the footer last composed (see ``_keys``)."""

    def _keys(self) -> tuple[object, ...]:
        """What the footer shows: the keys that apply, enabled or not, and the palette's."""
        shown = tuple(
            (b.binding, b.enabled, b.tooltip)
            for b in self.screen.active_bindings.values()
            if b.binding.show
        )
        return (shown, self.show_command_palette, self.compact)

    async def recompose(self) -> None:
        # Textual recomposes the footer whenever focus or any binding might have changed
        # (eight times while the dashboard opens), and each time mounts and styles every
        # key again: only do it when what it shows has changed.
        if self._bindings_ready and self.is_attached and self._keys() == self._shown:
            return
        await super().recompose()

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._keys()
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # Born in the footer's style: else each key's ``compact`` watcher restyles
                # it once mounted, and the footer's keys are most of the dashboard's widgets.
                widget.set_class(self.compact, "-compact", update=False)
                if widget.action == "help":
                    widget.add_class("-help")
            yield widget

    def fit(self, width: int) -> None:
        """Show the palette's key on wide terminals, else keep ``? Help`` on the right."""
        wide = width >= 100
        if self.show_command_palette != wide or self.has_class("-narrow") == wide:
            self.show_command_palette = wide
            self.set_class(not wide, "-narrow")
            # The palette's key is only added or left out when the footer composes.
            self.refresh(recompose=True)
