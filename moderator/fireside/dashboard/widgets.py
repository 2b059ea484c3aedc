"""The dashboard's widgets. Every piece of attendee text is drawn as a literal ``Text``."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from datetime import tzinfo
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.reactive import reactive
from textual.widgets import DataTable, Digits, Footer, ProgressBar, Static
from textual.widgets._footer import FooterKey
from textual.widgets.data_table import DuplicateKey, Row, RowKey

from fireside_ask.text import plural

from . import messages
from .format import clock_time, drift_minutes, mmss


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


class _LazyRow:
    """One row's cells, built the first time any of them is drawn.

    A table holds every question of the session but shows a screenful: building the
    ``Text`` cells of 5,000 rows was most of opening a large session.
    """

    __slots__ = ("table", "question", "built")

    def __init__(self, table: QuestionTable, question: dict[str, Any]) -> None:
        self.table, self.question = table, question
        self.built: tuple[Text, ...] | None = None

    def cells(self) -> tuple[Text, ...]:
        if self.built is None:
            self.built = self.table._cells(self.question)
        return self.built


class _LazyCell:
    """A cell of a ``_LazyRow``: Rich asks it for its ``Text`` when drawing it."""

    __slots__ = ("row", "index")

    def __init__(self, row: _LazyRow, index: int) -> None:
        self.row, self.index = row, index

    def __rich__(self) -> Text:
        return self.row.cells()[self.index]

    @property
    def plain(self) -> str:
        """The cell's text without styles, as ``Text.plain``."""
        return self.__rich__().plain


class QuestionTable(DataTable[Any]):
    """A list of questions that keeps the cursor on the same question through updates."""

    DEFAULT_CSS = """
    QuestionTable { height: 1fr; overflow-x: hidden; }
    """
    BINDINGS = [
        # Shown in the footer (DataTable's own enter binding is hidden); the screen decides
        # whether it applies to the highlighted question.
        Binding("enter", "screen.on_air", "On air", key_display="⏎", id="table.on_air"),
        # DataTable's home/end scroll sideways, which a list of one text column never needs.
        Binding("home", "scroll_top", "First", show=False, id="table.first"),
        Binding("end", "scroll_bottom", "Last", show=False, id="table.last"),
    ]

    #: Width of every column but the question text; 0 means "the text takes the rest".
    #: Narrow tables drop topic and time: the preview below shows them.
    LAYOUTS: dict[str, tuple[tuple[str, int], ...]] = {
        "inbox": (("id", 4), ("text", 0), ("topic", 10), ("time", 5)),
        "queue": (("id", 5), ("votes", 4), ("text", 0), ("topic", 10)),
        "inbox-medium": (("id", 4), ("text", 0), ("topic", 10)),
        "queue-medium": (("id", 5), ("votes", 4), ("text", 0), ("topic", 10)),
        "inbox-narrow": (("id", 4), ("text", 0)),
        "queue-narrow": (("id", 5), ("votes", 4), ("text", 0)),
    }
    #: Below these widths the table drops columns (the time, then the topic) for the text.
    MEDIUM = 76
    NARROW = 50

    def __init__(self, *, id: str, timezone: tzinfo | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_header=False)
        self.timezone = timezone
        self.kind = id if id in ("inbox", "queue") else "queue"
        self.layout_columns = self.LAYOUTS[self.kind]
        self._order: list[int] = []
        self._rows: dict[int, dict[str, Any]] = {}
        """Each shown question as it was when its row was last drawn (a copy)."""
        self._questions: dict[int, dict[str, Any]] = {}
        self._text_width = 0

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Skip measuring every new cell: our columns have fixed widths, rows one line.

        Textual measures each cell of each new row to size auto-width columns, which made
        opening a session of 5,000 questions spend over a second measuring 20,000 cells
        whose widths are fixed anyway. Only the scrollable size has to follow the rows.
        """
        if any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
            return
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(
            width + self._row_label_column_width, self._total_row_height + header
        )

    def _add_columns(self) -> None:
        for key, width in self.layout_columns:
            self.add_column(key, key=key, width=width or self._text_width)

    def on_resize(self) -> None:
        width = self.size.width
        suffix = "-narrow" if width < self.NARROW else "-medium" if width < self.MEDIUM else ""
        layout = self.LAYOUTS[self.kind + suffix]
        fixed = sum(width for _, width in layout)
        padding = 2 * self.cell_padding * len(layout)
        scrollbar = self.styles.scrollbar_size_vertical
        width = max(10, width - fixed - padding - scrollbar - 1)
        if width != self._text_width or layout != self.layout_columns:
            self._text_width = width
            self.layout_columns = layout
            questions = [self._questions[i] for i in self._order]
            self.clear(columns=True)
            self._order, self._rows = [], {}
            self._add_columns()
            self.sync(questions)

    @property
    def current_id(self) -> int | None:
        """The question under the cursor, if any."""
        if not self._order or self.cursor_row < 0 or self.cursor_row >= len(self._order):
            return None
        return self._order[self.cursor_row]

    def _cells(self, q: dict[str, Any]) -> tuple[Text, ...]:
        text = Text(q["text"], no_wrap=True, overflow="ellipsis")
        if q.get("edited"):
            text.append(" (edited)", style="dim")
        mark = "⚑" if q.get("pinned") else "≈" if q.get("duplicate_of") else ""
        topic = q.get("topic")
        cells = {
            "id": Text(f"{mark}{q['id']}", style="bold" if mark else ""),
            "votes": Text(str(q.get("votes", 0)), justify="right", style="bold"),
            "text": text,
            # The moderator's topic in plain type; a suggestion, dim and in italics.
            "topic": Text(
                topic or q.get("suggested_topic") or "",
                style="" if topic else "dim italic",
                no_wrap=True,
                overflow="ellipsis",
            ),
            "time": Text(clock_time(q["created_at"], self.timezone), style="dim"),
        }
        return tuple(cells[key] for key, _ in self.layout_columns)

    def sync(self, questions: list[dict[str, Any]]) -> None:
        """Show exactly ``questions`` in this order, touching only the rows that changed.

        Arrivals at the end are appended and departures removed in place; only a change of
        order rebuilds the table. The cursor stays on the question it was on.
        """
        self._questions = {q["id"]: q for q in questions}
        if not self.columns:
            return  # not sized yet: on_resize draws the rows
        order = [q["id"] for q in questions]
        current, row = self.current_id, self.cursor_row
        kept = set(order)
        survivors = [qid for qid in self._order if qid in kept]
        if survivors == order[: len(survivors)]:
            for qid in self._order:
                if qid not in kept:
                    self.remove_row(str(qid))
                    del self._rows[qid]
            self._append(questions[len(survivors) :])
            self._update_cells(questions[: len(survivors)])
        else:
            self.clear()
            self._rows = {}
            self._append(questions)
        changed = order != self._order
        self._order = order
        if changed and current in self._rows:
            self.move_cursor(row=order.index(current), animate=False)
        elif changed and order:
            self.move_cursor(row=min(max(row, 0), len(order) - 1), animate=False)

    def _append(self, questions: list[dict[str, Any]]) -> None:
        """Add rows at the end, in one go.

        ``DataTable.add_row`` re-sets the cursor (a reactive, with its validation and
        watchers) for every row: over a third of opening a session of 5,000 questions.
        The first row goes through ``add_row`` (which highlights the cursor once there is
        a row); the rest are stored the same way and the cursor is set once at the end.
        """
        if not questions:
            return
        # Thousands of long-lived objects at once: the collector would walk the young
        # ones again and again while they are made, for nothing (they all survive).
        enabled = gc.isenabled()
        gc.disable()
        try:
            self._append_rows(questions)
        finally:
            if enabled:
                gc.enable()

    def _append_rows(self, questions: list[dict[str, Any]]) -> None:
        first, rest = questions[0], questions[1:]
        self.add_row(*self._lazy_cells(first), key=str(first["id"]))
        columns = [column.key for column in self.ordered_columns]
        for q in rest:
            key = RowKey(str(q["id"]))
            if key in self._row_locations:
                raise DuplicateKey(f"The row key {key!r} already exists.")
            self._row_locations[key] = len(self.rows)
            self._data[key] = dict(zip(columns, self._lazy_cells(q), strict=True))
            self.rows[key] = Row(key, 1)
            self._new_rows.add(key)
        if rest:
            self._require_update_dimensions = True
            self.cursor_coordinate = self.cursor_coordinate
            self._update_count += 1
            self.check_idle()

    def _lazy_cells(self, q: dict[str, Any]) -> list[_LazyCell]:
        """Cells for ``q`` that are built only if drawn; remembers ``q`` as shown."""
        self._rows[q["id"]] = dict(q)
        row = _LazyRow(self, q)
        return [_LazyCell(row, index) for index in range(len(self.layout_columns))]

    def _update_cells(self, questions: list[dict[str, Any]]) -> None:
        keys = [key for key, _ in self.layout_columns]
        for q in questions:
            if self._rows.get(q["id"]) != q:
                for column, value in zip(keys, self._lazy_cells(q), strict=True):
                    self.update_cell(str(q["id"]), column, value)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(messages.QuestionHighlighted(self.current_id))


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

    phase: reactive[str] = reactive("ready")
    """ready, running, wrapup, overtime, paused or finished: drives the colours."""

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

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action == "help":
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


def clock_view(
    clock: dict[str, Any] | None, received: float, now_mono: float, segments: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Count the hub's clock on locally from when it arrived; return what the panel shows."""
    if clock is None:
        return None
    running = clock["state"] == "running"
    passed = max(0.0, now_mono - received) if running else 0.0
    elapsed = clock["elapsed"] + passed
    allowance = clock["allowance"]
    left = allowance - elapsed
    phase = clock["state"]
    if running:
        phase = "overtime" if left < 0 else "wrapup" if left <= clock["wrapup"] else "running"
    server_now = clock["server_time"] + (now_mono - received)
    session_left = (
        max(0.0, left) + clock["remaining_after"]
        if clock["state"] in ("running", "paused")
        else clock["remaining_after"] + allowance
        if clock["state"] == "ready"
        else 0.0
    )
    projected = (
        clock["finished_at"]
        if clock["state"] == "finished" and clock["finished_at"]
        else server_now + session_left
    )
    index = clock["index"]
    return {
        "phase": phase,
        "index": index,
        "count": len(segments) or 1,
        "title": clock["segment"]["title"],
        "prompt": clock["segment"].get("prompt", ""),
        "allowance": allowance,
        "elapsed": elapsed,
        "left": left,
        "session_left": session_left,
        "projected_end": projected,
        "planned_end": clock.get("planned_end"),
        "upcoming": [s.get("title") or s["id"] for s in segments[index + 1 : index + 3]],
    }
