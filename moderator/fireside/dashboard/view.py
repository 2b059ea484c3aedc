"""The dashboard screen's view: its widgets, and reading the model into them.

``DashboardView`` lays the screen out and redraws it from the model; the keys and what
they send to the hub are ``screen.DashboardScreen``'s, on top of it.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input

from ..clockview import clock_view
from .clockpanel import ClockPanel
from .format import session_timezone
from .messages import QuestionHighlighted
from .model import Model
from .settings import DashboardSettings
from .table import QuestionTable
from .widgets import KeysFooter, OnAirCard, QuestionPreview, SessionHeader

if TYPE_CHECKING:
    from .app import DashboardApp

COMPACT_HEIGHT = 30
NARROW_WIDTH = 110


class DashboardView(Screen[None]):
    """Inbox, queue, the highlighted question, the on-air card and the clock."""

    sort: reactive[str] = reactive("votes")
    """How the queue is ordered after pinned questions: votes, time or topic."""
    needle: reactive[str] = reactive("")
    """The filter text; empty shows everything."""

    def __init__(self, model: Model) -> None:
        super().__init__()
        self.model = model
        self.status = "connecting"
        self.timezone: tzinfo | None = None
        self._last_table = "inbox"
        self._seen_inbox: set[int] = set()
        self._inbox_rows = 0
        self._last_phase = ""
        self._refresh_pending = False
        self._bindings_signature: tuple[object, ...] = ()

    def compose(self) -> ComposeResult:
        yield SessionHeader(id="header")
        yield Input(placeholder="Filter questions (esc clears)", id="filter")
        with Horizontal(id="main"):
            # Triage is reading: the lists and the preview take the width, one above the
            # other; the clock and the question on air share a column on the right.
            with Vertical(id="work"):
                with Vertical(id="inbox-box", classes="box"):
                    yield QuestionTable(id="inbox")
                with Vertical(id="queue-box", classes="box"):
                    yield QuestionTable(id="queue")
                with VerticalScroll(id="preview-box"):
                    yield QuestionPreview(id="preview")
            with Vertical(id="side"):
                yield ClockPanel(id="clock")
                yield OnAirCard(id="on-air")
        yield KeysFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#inbox", QuestionTable).focus()
        self.set_interval(0.25, self._tick_clock)
        self.refresh_all()

    def on_resize(self) -> None:
        self.set_class(self.size.height < COMPACT_HEIGHT, "-compact")
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")
        # On narrow terminals the footer keeps its room for the question keys.
        self.query_one(KeysFooter).fit(self.size.width)

    # --- reading the model into the widgets ----------------------------------------
    def refresh_all(self) -> None:
        self._refresh_pending = False
        model = self.model
        self.timezone = session_timezone(model.session.get("starts_at"))
        join = self.join_command()
        page = self.join_url()
        if page:
            join = f"{page} · {join}"
        counts = model.counts()
        self.query_one(SessionHeader).show(
            model.session.get("title", "Fireside"),
            join,
            self.status,
            model.connected,
            counts,
        )
        inbox = self.query_one("#inbox", QuestionTable)
        queue = self.query_one("#queue", QuestionTable)
        inbox.timezone = queue.timezone = self.timezone
        pending = model.inbox(self.needle)
        inbox.sync(pending)
        focus_topic = self._focus_topic()
        queue.sync(model.queue(self.sort, self.needle, focus_topic))
        if self.focused is inbox:
            self._seen_inbox |= {q["id"] for q in pending}
        fresh = sum(1 for q in pending if q["id"] not in self._seen_inbox)
        box = self.query_one("#inbox-box")
        box.border_title = f"Inbox {self._count(len(pending), counts['waiting'])}"
        hint = f"filter “{self.needle}”" if self.needle else "/ filter"
        box.border_subtitle = (f"{fresh} new · " if fresh else "") + hint
        queue_box = self.query_one("#queue-box")
        queue_box.border_title = f"Queue {self._count(queue.row_count, counts['approved'])}" + (
            f" · {focus_topic} first" if focus_topic else ""
        )
        if self.focused is inbox and self._inbox_rows and not pending and queue.row_count:
            # The inbox just emptied: carry on where the questions went. (Only as it
            # empties: a moderator who tabs back to wait for questions stays there.)
            queue.focus()
        self._inbox_rows = len(pending)
        queue_box.border_subtitle = f"by {self.sort} · s sort · g topics"
        on_air = model.questions.get(model.on_air) if model.on_air else None
        self.query_one(OnAirCard).show(on_air)
        self._show_preview()
        self._tick_clock()
        self._refresh_bindings_if_needed()

    def _count(self, shown: int, total: int) -> str:
        """``7``, or ``1/7`` while a filter hides some rows."""
        return f"{shown}/{total}" if self.needle else str(total)

    def schedule_refresh(self) -> None:
        """Coalesce a burst of hub messages into one repaint."""
        if not self._refresh_pending:
            self._refresh_pending = True
            self.call_later(self.refresh_all)

    def _focus_topic(self) -> str | None:
        clock = self.model.clock
        if (
            clock
            and clock["state"] in ("running", "paused")
            and (clock["segment"].get("kind") == "discussion")
        ):
            return str(clock["segment"]["id"])
        return None

    def _tick_clock(self) -> None:
        segments = self.model.session.get("segments", [])
        view = clock_view(
            self.model.clock, self.model.clock_received, self.model.monotonic(), segments
        )
        self.query_one(ClockPanel).show(view, self.timezone)
        phase = view["phase"] if view else ""
        if phase == "finished" and self._last_phase in ("running", "wrapup", "overtime", "paused"):
            # The last segment just ended: keep the record without being asked.
            app: DashboardApp = self.app  # type: ignore[assignment]
            self.run_worker(app.write_record(), group="record", exclusive=True)
        if phase == "overtime" and self._last_phase in ("running", "wrapup"):
            self.notify(
                f"“{view['title']}” is running over." if view else "Over time.",
                title="Overtime",
                severity="warning",
                timeout=6,
                markup=False,
            )
        self._last_phase = phase

    def _show_preview(self) -> None:
        selected = self.selected()
        self.query_one(QuestionPreview).show(selected, self.timezone)
        self.query_one("#preview-box").border_title = "v full text" if selected else ""

    # --- which question the keys act on --------------------------------------------
    def selected(self) -> dict[str, Any] | None:
        """The highlighted question of the list the moderator is in."""
        table = self.query_one(f"#{self._last_table}", QuestionTable)
        current = table.current_id
        return self.model.questions.get(current) if current is not None else None

    @on(QuestionHighlighted)
    def _highlighted(self, event: QuestionHighlighted) -> None:
        self._show_preview()
        self._refresh_bindings_if_needed()

    def _refresh_bindings_if_needed(self) -> None:
        """Redraw the footer only when the keys that apply have changed."""
        selected = self.selected()
        signature = (
            self._last_table,
            selected["state"] if selected else None,
            self.model.on_air is not None,
            self.model.undo is not None,
            self.focused.__class__.__name__,
        )
        if signature != self._bindings_signature:
            self._bindings_signature = signature
            self.refresh_bindings()

    def on_descendant_focus(self, event: Any) -> None:
        widget = event.widget
        if isinstance(widget, QuestionTable) and widget.id:
            self._last_table = widget.id
            if widget.id == "inbox":
                self._seen_inbox |= {q["id"] for q in self.model.inbox(self.needle)}
                self.schedule_refresh()
            self._show_preview()
            self._refresh_bindings_if_needed()

    @property
    def settings(self) -> DashboardSettings:
        """How the command that opened the dashboard set it up."""
        app: DashboardApp = self.app  # type: ignore[assignment]
        return app.settings

    def join_command(self) -> str:
        """The terminal join command: the one given, else the hub's, else from the URL."""
        join = self.settings.join_command or self.model.join
        return join or f"pipx run fireside-ask {getattr(self.app, 'url', '')}"

    def join_url(self) -> str:
        """The attendee page's address: the one given, else the one the hub sent."""
        return self.settings.join_url or self.model.join_url

    def jump_to(self, question_id: int) -> None:
        """Highlight a question in whichever list holds it."""
        for name in ("inbox", "queue"):
            table = self.query_one(f"#{name}", QuestionTable)
            if question_id in table._order:
                table.focus()
                table.move_cursor(row=table._order.index(question_id), animate=False)
                self._last_table = name
                self._show_preview()
                return
        self.notify(f"#{question_id} is not in the inbox or the queue.", markup=False)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-visible")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.needle = event.value.strip()
        self.refresh_all()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one(f"#{self._last_table}", QuestionTable).focus()

    def key_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("-visible"):
            box.value = ""
            box.remove_class("-visible")
            self.query_one(f"#{self._last_table}", QuestionTable).focus()
