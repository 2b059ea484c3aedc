"""The moderator's dashboard: a keyboard-first Textual app on the hub's moderator role.

The app owns the link to the hub and the model; the ``DashboardScreen`` owns the widgets
and the keys. Actions go to the hub and show up on screen only when the hub's update comes
back, so the screen always shows what is stored.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import DataTable, Input

from fireside_ask import protocol as p

from .format import session_timezone
from .link import HubLink
from .messages import HubMessage, LinkStatus, QuestionHighlighted
from .model import SORTS, Model
from .screens import (
    ConfirmScreen,
    EditScreen,
    HelpScreen,
    JoinScreen,
    PickScreen,
    QuestionScreen,
    RecordScreen,
    TokenPromptScreen,
    TokenScreen,
    TopicsScreen,
)
from .widgets import (
    ClockPanel,
    KeysFooter,
    OnAirCard,
    QuestionPreview,
    QuestionTable,
    SessionHeader,
    clock_view,
    question_details,
)

HIGH_CONTRAST = Theme(
    name="fireside-contrast",
    primary="#FFD700",
    secondary="#00BFFF",
    accent="#FF8C00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1C1C1C",
    warning="#FFB000",
    error="#FF4040",
    success="#3CFF3C",
    dark=True,
)

#: Which question states each key's action applies to (the footer hides the others): the
#: hub's own table, plus viewing, which applies to any question.
APPLIES: dict[str, frozenset[str]] = {**p.ACTION_STATES, "view": frozenset(p.STATES)}
COMPACT_HEIGHT = 30
NARROW_WIDTH = 110
CLOCK_KEYS = Binding.Group("Clock")


class DashboardScreen(Screen[None]):
    """Inbox, queue, the highlighted question, the on-air card and the clock."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "a",
            "approve",
            "Approve",
            id="approve",
            tooltip="Approve the highlighted question: everyone can see and vote on it",
        ),
        Binding(
            "r", "reject", "Reject", id="reject", tooltip="Reject it: only moderators see it again"
        ),
        Binding(
            "enter",
            "on_air",
            "On air",
            key_display="⏎",
            id="on_air",
            tooltip="Put it on air; the question on air before is marked answered",
        ),
        Binding(
            "d",
            "answered",
            "Done",
            id="answered",
            tooltip="Mark the question on air answered (else the highlighted one)",
        ),
        Binding(
            "p", "pin", "Pin", id="pin", tooltip="Pin or unpin: pinned questions lead the queue"
        ),
        Binding("e", "edit", "Edit", id="edit", tooltip="Edit the text; the original is kept"),
        Binding("t", "topic", "Topic", id="topic", tooltip="Set the topic (agenda segment)"),
        Binding(
            "m",
            "merge",
            "Merge",
            id="merge",
            tooltip="Merge into another question: votes add up, both texts are kept",
        ),
        Binding("u", "undo", "Undo", id="undo", tooltip="Undo the last moderator action"),
        Binding(
            "v",
            "view",
            "Full text",
            id="view",
            show=False,
            tooltip="Read the highlighted question in full, with its hints and original",
        ),
        Binding(
            "n",
            "clock('next')",
            "Next segment",
            id="next",
            show=False,
            group=CLOCK_KEYS,
            tooltip="Next segment (starts the clock before the session)",
        ),
        Binding(
            "b",
            "clock('back')",
            "Back one segment",
            id="back",
            show=False,
            group=CLOCK_KEYS,
            tooltip="Back one segment; its time continues where it stopped",
        ),
        Binding(
            "space",
            "clock('toggle')",
            "Pause or resume",
            key_display="␣",
            id="pause",
            show=False,
            group=CLOCK_KEYS,
            tooltip="Start, pause or resume the clock",
        ),
        Binding(
            "plus",
            "adjust(60)",
            "Extend one minute",
            key_display="+",
            id="extend",
            show=False,
            group=CLOCK_KEYS,
            tooltip="Give the current segment one more minute",
        ),
        Binding(
            "minus",
            "adjust(-60)",
            "Shorten one minute",
            key_display="-",
            id="shorten",
            show=False,
            group=CLOCK_KEYS,
            tooltip="Take one minute off the current segment",
        ),
        Binding(
            "x",
            "record",
            "Record",
            id="record",
            show=False,
            tooltip="Preview the session's Markdown record; w writes it beside the database",
        ),
        Binding(
            "g",
            "topics",
            "Topics",
            id="topics",
            show=False,
            tooltip="Questions grouped by topic, with counts; enter jumps to one",
        ),
        Binding(
            "s",
            "sort",
            "Sort",
            id="sort",
            show=False,
            tooltip="Sort the queue by votes, time or topic",
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            key_display="/",
            id="filter",
            show=False,
            tooltip="Show only questions containing some text",
        ),
        Binding(
            "k",
            "token",
            "Moderator token",
            id="token",
            show=False,
            tooltip="Show the moderator token (masked until you ask) for a co-moderator",
        ),
        Binding(
            "j",
            "join_qr",
            "Join QR code",
            id="join-qr",
            show=False,
            tooltip="Show the attendee page's address as a QR code, to project for phones",
        ),
        Binding(
            "question_mark", "help", "Help", key_display="?", id="help", tooltip="Show every key"
        ),
        Binding("q", "quit_app", "Quit", id="quit", show=False, tooltip="Quit (asks first)"),
    ]

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
        self.query_one(SessionHeader).show(
            model.session.get("title", "Fireside"),
            join,
            self.status,
            model.connected,
            model.counts(),
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
        counts = model.counts()
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answered" and self.model.on_air is not None:
            return True
        if action in APPLIES:
            question = self.selected()
            return question is not None and question["state"] in APPLIES[action]
        if action == "undo":
            return self.model.undo is not None
        return True

    # --- sending to the hub --------------------------------------------------------
    def send(self, message: dict[str, Any], done: str = "") -> None:
        """Send a request in a worker; say so if the hub refuses it."""
        self.run_worker(self._request(message, done), group="actions")

    async def _request(self, message: dict[str, Any], done: str) -> None:
        link: HubLink = self.app.link  # type: ignore[attr-defined]
        reply = await link.request(message)
        if reply.get("type") == "error":
            self.notify(
                str(reply.get("message", "Refused.")),
                title="Not done",
                severity="error",
                timeout=6,
                markup=False,
            )
        elif done:
            self.notify(done, timeout=2, markup=False)

    def _act(self, kind: str, **extra: Any) -> None:
        question = self.selected()
        if question is None:
            return
        self.send({"type": kind, "question_id": question["id"], **extra})

    def action_approve(self) -> None:
        self._act("approve")

    def action_reject(self) -> None:
        self._act("reject")

    def action_on_air(self) -> None:
        self._act("on_air")

    def action_answered(self) -> None:
        """Done: the question on air is answered (else the highlighted approved one)."""
        if self.model.on_air is not None:
            self.send({"type": "answered", "question_id": self.model.on_air})
        else:
            self._act("answered")

    def action_pin(self) -> None:
        question = self.selected()
        if question is not None:
            self._act("pin", pinned=not question.get("pinned"))

    def action_view(self) -> None:
        question = self.selected()
        if question is not None:
            self.app.push_screen(QuestionScreen(question_details(question, self.timezone)))

    def join_command(self) -> str:
        """The terminal join command: the one given, else the hub's, else from the URL."""
        join = getattr(self.app, "join_command", "") or self.model.join
        return join or f"pipx run fireside-ask {getattr(self.app, 'url', '')}"

    def join_url(self) -> str:
        """The attendee page's address: the one given, else the one the hub sent."""
        return str(getattr(self.app, "join_url", "") or self.model.join_url)

    def action_join_qr(self) -> None:
        url = self.join_url()
        if url:
            self.app.push_screen(JoinScreen(url, self.join_command()))
        else:
            self.notify("This hub serves no attendee page (an older hub?).", markup=False)

    def action_token(self) -> None:
        token = self.app.link.token  # type: ignore[attr-defined]
        if token:
            self.app.push_screen(TokenScreen(str(token)))
        else:
            self.notify("This dashboard has no moderator token.", markup=False)

    def action_undo(self) -> None:
        undo = self.model.undo
        label = f"Undone: {undo['kind'].replace('_', ' ')} #{undo['question_id']}" if undo else ""
        self.send({"type": "undo"}, done=label)

    def action_clock(self, command: str) -> None:
        self.send({"type": "clock", "action": command})

    def action_adjust(self, seconds: int) -> None:
        self.send({"type": "clock", "action": "adjust", "seconds": seconds})

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.refresh_all()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.check_action("on_air", ()):
            self.action_on_air()

    def action_edit(self) -> None:
        question = self.selected()
        if question is None:
            return
        limit = getattr(self.app, "max_chars", p.MAX_QUESTION_CHARS)

        def done(text: str | None) -> None:
            if text:
                self.send({"type": "edit", "question_id": question["id"], "text": text})

        self.app.push_screen(EditScreen(question, limit), done)

    def action_topic(self) -> None:
        question = self.selected()
        if question is None:
            return
        options: list[tuple[Any, Text]] = [
            (topic_id, Text(f"{title}  ({topic_id})")) for topic_id, title in self.model.topics()
        ]
        options.append(("", Text("No topic (use the suggestion)", style="dim")))

        def done(topic: str | None) -> None:
            if topic is not None:
                self.send({"type": "topic", "question_id": question["id"], "topic": topic or None})

        self.app.push_screen(PickScreen(f"Topic for #{question['id']}", options), done)

    def action_merge(self) -> None:
        question = self.selected()
        if question is None:
            return
        targets = self.model.merge_targets(question["id"])
        if not targets:
            self.notify("There is no other question to merge into.", markup=False)
            return
        options: list[tuple[Any, Text]] = []
        for target in targets[:50]:
            label = Text(f"#{target['id']} ", style="bold")
            label.append(
                f"[{target['state'].replace('_', ' ')}, {target.get('votes', 0)}] ", style="dim"
            )
            label.append(target["text"])
            options.append((target["id"], label))

        def done(target_id: int | None) -> None:
            if target_id is not None:
                self.send(
                    {"type": "merge", "question_id": question["id"], "into": target_id},
                    done=f"Merged #{question['id']} into #{target_id}",
                )

        self.app.push_screen(
            PickScreen(f"Merge #{question['id']} into… (most similar first)", options), done
        )

    def action_topics(self) -> None:
        from ..topics import emergent_groups

        groups = self.model.by_topic()
        others = next((qs for topic, _, qs in groups if topic == "other"), [])
        emergent = emergent_groups(
            {q["id"]: q["text"] for q in others}, {q["id"]: "other" for q in others}
        )

        def done(question_id: int | None) -> None:
            if question_id is not None:
                self.jump_to(question_id)

        self.app.push_screen(TopicsScreen(groups, emergent), done)

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

    def action_help(self) -> None:
        bindings = [b for b in self.BINDINGS if isinstance(b, Binding)]
        self.app.push_screen(HelpScreen(bindings))

    def action_quit_app(self) -> None:
        question = getattr(self.app, "quit_question", "Quit the dashboard?")

        def done(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._record_and_quit(), group="record", exclusive=True)

        self.app.push_screen(ConfirmScreen(question), done)

    async def _record_and_quit(self) -> None:
        """Write the session's record beside the database, then quit."""
        app: DashboardApp = self.app  # type: ignore[assignment]
        await app.write_record()
        app.exit()

    def action_record(self) -> None:
        self.run_worker(self._preview_record(), group="record", exclusive=True)

    async def _preview_record(self) -> None:
        app: DashboardApp = self.app  # type: ignore[assignment]
        reply = await app.link.request({"type": "export"})
        if reply.get("type") != "ack":
            self.notify(
                str(reply.get("message")), title="No record", severity="error", markup=False
            )
            return
        target = app.record_path(reply)

        def done(write: bool | None) -> None:
            if write:
                self.run_worker(app.write_record(), group="record", exclusive=True)

        app.push_screen(RecordScreen(str(reply["markdown"]), str(target)), done)


class DashboardApp(App[None]):
    """The moderator's dashboard on one hub."""

    CSS_PATH = "app.tcss"
    TITLE = "Fireside"

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        join_command: str = "",
        join_url: str = "",
        quit_question: str = "Quit the dashboard? The hub keeps running.",
        max_chars: int = p.MAX_QUESTION_CHARS,
        monotonic: Callable[[], float] = time.monotonic,
        ssl_context: ssl.SSLContext | None = None,
        record_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.url = url
        self.join_command = join_command
        """What the header tells attendees to type; empty: what the hub says, else ``url``."""
        self.join_url = join_url
        """The attendee page's address (header and QR code); empty: what the hub says."""
        self.quit_question = quit_question
        self.max_chars = max_chars
        """Longest question text the hub accepts (the edit box keeps to it)."""
        self.record_dir = record_dir
        """Where the record goes: beside the database for fireside run, else here."""
        self.record_written: Path | None = None
        """The last record written, so the command can say where it went after quitting."""
        self.model = Model(monotonic=monotonic)
        self.link = HubLink(
            url,
            role=p.MODERATOR,
            token=token,
            on_message=lambda message: self.post_message(HubMessage(message)),
            on_status=lambda status, detail: self.post_message(LinkStatus(status, detail)),
            ssl_context=ssl_context,
        )
        self.register_theme(HIGH_CONTRAST)
        self.theme = "fireside-contrast"

    def record_path(self, reply: dict[str, Any]) -> Path:
        """``<db stem>-<date>.md`` beside the database, dated the day the session ran.

        That is the day the clock started (in the agenda's time zone), else today: a
        rehearsal with last year's agenda file is not filed under last year's date.
        """
        stem = Path(str(reply.get("db") or "fireside.db")).stem
        started = (self.model.clock or {}).get("started_at")
        timezone = session_timezone(self.model.session.get("starts_at"))
        day = (
            datetime.fromtimestamp(started, timezone).date() if started else date.today()
        ).isoformat()
        return (self.record_dir or Path.cwd()) / f"{stem}-{day}.md"

    async def write_record(self) -> Path | None:
        """Ask the hub for the record and write it; say where it went (or why not)."""
        reply = await self.link.request({"type": "export"})
        if reply.get("type") != "ack":
            self.notify(
                str(reply.get("message")),
                title="Record not written",
                severity="error",
                timeout=8,
                markup=False,
            )
            return None
        path = self.record_path(reply)
        try:
            await asyncio.to_thread(path.write_text, str(reply["markdown"]), encoding="utf-8")
        except OSError as exc:
            self.notify(
                f"Could not write {path}: {exc.strerror}",
                title="Record not written",
                severity="error",
                timeout=8,
                markup=False,
            )
            return None
        self.record_written = path
        self.notify(f"Session record written to {path}", title="Record", timeout=8, markup=False)
        return path

    def get_default_screen(self) -> Screen[Any]:
        return DashboardScreen(self.model)

    def on_mount(self) -> None:
        self.run_worker(self.link.run(), name="hub-link", group="connect", exclusive=True)

    @property
    def dashboard(self) -> DashboardScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, DashboardScreen)
        return screen

    def on_hub_message(self, message: HubMessage) -> None:
        if self.model.apply(message.payload):
            self.dashboard.schedule_refresh()

    def on_link_status(self, message: LinkStatus) -> None:
        dashboard = self.dashboard
        previous, dashboard.status = dashboard.status, message.status
        if message.status == "offline" and previous == "online":
            self.notify(
                "Lost the hub; reconnecting. Everything stays on screen.",
                title="Offline",
                severity="warning",
                timeout=5,
            )
        elif message.status == "online" and previous == "offline":
            self.notify("Reconnected to the hub.", timeout=3)
        elif message.status == "refused" and self.link.refusal in (p.BAD_TOKEN, p.RATE_LIMITED):
            self.push_screen(TokenPromptScreen(message.detail), self._retry_token)
        elif message.status == "refused":
            self.notify(
                message.detail,
                title="Refused by the hub",
                severity="error",
                timeout=30,
                markup=False,
            )
        dashboard.schedule_refresh()

    def _retry_token(self, token: str | None) -> None:
        """Connect again with the token typed at the prompt, or quit if there is none."""
        if token is None:
            self.exit(
                return_code=1,
                message="fireside: the hub refused the moderator token; nothing was changed.",
            )
            return
        self.link.token = token
        self.link.refusal = ""
        self.run_worker(self.link.run(), name="hub-link", group="connect", exclusive=True)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        dashboard = self.dashboard
        for binding in DashboardScreen.BINDINGS:
            assert isinstance(binding, Binding)
            action = binding.action
            yield SystemCommand(
                f"{binding.description} ({binding.key_display or binding.key})",
                binding.tooltip,
                lambda action=action: self.call_later(dashboard.run_action, action),
            )


def make_app(url: str, token: str | None, **options: Any) -> DashboardApp:
    """Build the dashboard (used by ``fireside run``, ``fireside dashboard`` and tests)."""
    return DashboardApp(url, token, **options)
