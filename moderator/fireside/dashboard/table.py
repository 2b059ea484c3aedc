"""The inbox's and the queue's table: rows drawn lazily, the cursor kept through updates."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from datetime import tzinfo
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import DuplicateKey, Row, RowKey

from . import messages
from .format import clock_time


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
            current = self.current_id
            self.clear(columns=True)
            self._order, self._rows = [], {}
            self._add_columns()
            self.sync(questions)
            if current in self._rows:  # the rows are new: keep the highlighted question
                self.move_cursor(row=self._order.index(current), animate=False)

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
