"""What the interactive attendee reads: a plain line for each thing the hub tells us.

``Notices`` turns the session's events (welcome, a drop, a new question, a merge, a
rejection, the end) into lines on the console, printed without mixing into the line being
typed. ``Interactive`` (in ``interactive``) adds what the attendee types.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from rich.console import Console
from rich.text import Text

from . import protocol as p
from .lineinput import LineInput
from .render import (
    header,
    on_air_line,
    question_line,
    question_lines,
    safe,
    segment_line,
)
from .session import Session
from .state import Event, HubState, Message, question_id
from .text import plural


class Cancellable(Protocol):
    def cancel(self) -> None: ...


#: Schedules a call after a delay: ``loop.call_later``, or a test's own timer.
Later = Callable[[float, Callable[[], None]], Cancellable]

#: How long the asker's "did not take your question" waits. Held here in the client, not
#: in the hub: the hub must take a rejected question off every screen at once (it may be
#: abusive), and only this sentence to its asker is worth holding. A moderator who
#: rejects by mistake presses undo within a second or two; the question then comes back
#: and the notice is dropped, so the asker never reads "did not take" then "approved".
REJECT_NOTICE_DELAY = 5.0

#: Failed connection attempts in a row before the hint to check the address.
HINT_AFTER_FAILURES = 3


class Notices:
    """Prints what happens in the room, as the session's listener (``on_event``)."""

    def __init__(
        self,
        console: Console,
        url: str,
        *,
        later: Later | None = None,
        lines: LineInput | None = None,
    ) -> None:
        self.console = console
        self.url = url
        self.session: Session | None = None
        self.lines = lines
        """The typed-line reader: editing, history and refill, when it has readline."""
        self._later = later
        self.welcomed = False
        self.outage_reported = False
        self.failures = 0
        """Connection attempts failed in a row (reset by a welcome)."""
        self.shown_segment: str | None = None
        self.held: dict[int, tuple[Message | None, Cancellable]] = {}
        """Rejection notices not told yet, by question id, with the question as it was."""
        # The typed side's state (``Interactive``), here so that it has one ``__init__``.
        self.watchers: set[asyncio.Future[None]] = set()
        """Tasks that print how a request ended (``Interactive.watch``)."""
        self.refill = ""
        """Text to put back on the next prompt (a question refused for its length)."""

    @property
    def editing(self) -> bool:
        return self.lines is not None and self.lines.editing

    def show(self, renderable: Any) -> None:
        """Print one line without mixing it into the line being typed."""
        if self.lines is None:
            self.console.print(renderable)
            return
        with self.lines.printing():
            self.console.print(renderable)

    def say(self, *parts: Any, style: str = "") -> None:
        """Print one line; ``str`` parts are ours, hub text must already be ``safe``."""
        line = Text(style=style)
        for part in parts:
            line.append(part if isinstance(part, (str, Text)) else str(part))
        self.show(line)

    def later(self, delay: float, callback: Callable[[], None]) -> Cancellable:
        if self._later is not None:
            return self._later(delay, callback)
        return asyncio.get_running_loop().call_later(delay, callback)

    @property
    def state(self) -> HubState:
        assert self.session is not None
        return self.session.state

    def on_event(self, event: Event) -> None:
        handler = getattr(self, f"_on_{event.kind}", None)
        if handler is not None:
            handler(event)

    def _on_connecting(self, event: Event) -> None:
        if not self.welcomed and not self.outage_reported:
            self.say(f"Connecting to {self.url} …", style="dim")

    def _on_welcome(self, event: Event) -> None:
        state = self.state
        self.failures = 0
        if self.welcomed:
            self.say("Reconnected.", style="green")
            self.outage_reported = False
            return
        self.welcomed = True
        self.outage_reported = False
        for line in header(state):
            self.show(line)
        self.say(f"Connected: {self.people_here()} here.", style="dim")
        if state.segment is not None:
            self._show_segment(state.segment)
        elif state.ended:
            self.say(
                "This session has ended. You can still send questions: "
                "the speakers may follow up on them afterwards.",
                style="dim",
            )
        if state.on_air is not None and not state.ended:
            # After the end, the last question left on air is history, not what is on stage.
            self.show(on_air_line(state.questions.get(state.on_air)))
        self.show_list(empty_note=False)
        self.show(
            Text(
                "Type your question and press Enter. /help for commands.", style="bold"
            )
        )

    def _on_disconnected(self, event: Event) -> None:
        self.failures += 1
        reason = safe(event.message.get("reason")) or "connection lost"
        if self.failures == HINT_AFTER_FAILURES and not self.welcomed:
            # Retrying forever is right for a hub that restarts, but an attendee who
            # mistyped the address would wait forever too: say what is being tried.
            self.say(
                f"Still no hub at {self.url} ({reason}). Please check the address the "
                "speakers showed; fireside-ask keeps trying. /quit leaves.",
                style="yellow",
            )
        elif self.failures == HINT_AFTER_FAILURES:
            self.say(
                f"Still trying to reach the hub at {self.url} ({reason}); "
                "your questions wait until it is back. /quit leaves.",
                style="yellow",
            )
        if self.outage_reported:
            return
        self.outage_reported = True
        delay = event.message.get("retry_in") or 0
        self.say(
            f"Not connected: {reason}. Retrying in {delay:.1f} s; "
            "you can keep typing, questions wait until the hub is back.",
            style="yellow",
        )

    def _show_segment(self, segment: dict[str, Any]) -> None:
        if segment.get("id") != self.shown_segment:
            self.shown_segment = segment.get("id")
            self.show(segment_line(segment))

    def _on_segment(self, event: Event) -> None:
        segment = event.message.get("segment")
        if isinstance(segment, dict) and self.welcomed:
            self._show_segment(segment)

    def _on_finished(self, event: Event) -> None:
        self.shown_segment = None
        self.say(
            "The session has ended. Thank you for your questions! You can still send "
            "some: the speakers may follow up on them afterwards.",
            style="bold",
        )

    def _on_on_air(self, event: Event) -> None:
        question = event.message.get("question")
        self.show(on_air_line(question if isinstance(question, dict) else None))

    def _on_question(self, event: Event) -> None:
        question = event.message["question"]
        qid, status = question["id"], question.get("state")
        before = event.before
        held = self.held.pop(qid, None)
        if held is not None:
            # Back within the moment (an undo, or approved after all): drop the notice,
            # and compare with the question as it was before the reject.
            before, handle = held
            handle.cancel()
        if qid in self.state.mine:
            self._on_my_question(question, before)
            return
        # Edits, pins and votes are quiet, and on air has its own line: only a question
        # new on the list is worth a line.
        if status == p.APPROVED and before is None:
            line = Text("New ", style="dim")
            line.append_text(question_line(question))
            self.show(line)

    def _on_my_question(self, question: Message, before: Message | None) -> None:
        qid = question["id"]
        into = question_id(question.get("merged_into"))
        was_into = question_id(before.get("merged_into")) if before else None
        if into is not None and into != was_into:
            self._tell_merged(qid, into)
        elif into is None and was_into is not None:
            self.say(f"Your question #{qid} is on the list on its own again.", style="green")
        elif question.get("state") == p.APPROVED and before and before.get("state") == p.PENDING:
            # Only from pending: an auto-approved question was "on the list" from its ack.
            self.say(f"Your question #{qid} was approved and is on the list.", style="green")

    def _tell_merged(self, qid: int, into: int) -> None:
        self.say(
            f"Your question #{qid} was merged into #{into}; your vote counts there.",
            style="green",
        )

    def _on_question_removed(self, event: Event) -> None:
        qid = question_id(event.message.get("id"))
        into = question_id(event.message.get("merged_into"))
        if qid is None:
            return
        if into is not None and event.mine:
            self._tell_merged(qid, into)
        elif into is not None:
            self.say(f"#{qid} was merged into #{into}.", style="dim")
        elif event.mine and qid not in self.held:
            self.held[qid] = (
                event.before,
                self.later(REJECT_NOTICE_DELAY, lambda: self._tell_rejected(qid)),
            )

    def _tell_rejected(self, qid: int) -> None:
        if self.held.pop(qid, None) is not None:
            self.say(f"The moderator did not take your question #{qid}.", style="yellow")

    def _on_error(self, event: Event) -> None:
        self.say(
            "The hub says: ", safe(event.message.get("message"), 300), style="yellow"
        )

    def people_here(self) -> str:
        assert self.session is not None
        here = self.session.state.connected
        if self.session.connected.is_set():
            # The welcome counts the room before the hub counts us in; we are here too.
            here = max(here, 1)
        return "1 person" if here == 1 else f"{here} people"

    def show_list(self, *, empty_note: bool = True) -> None:
        assert self.session is not None
        lines = list(question_lines(self.state))
        online = self.session.connected.is_set()
        if not online and not self.welcomed:
            self.say("Not connected yet, so there is no list to show.", style="yellow")
            return
        if not online and not lines:
            self.say(
                "Offline (trying to reconnect): the list was empty when the connection "
                "dropped.",
                style="yellow",
            )
            return
        if not online:
            self.say(
                "Offline (trying to reconnect): the list as it was when the connection "
                f"dropped, {plural(len(lines), 'question')}:",
                style="yellow",
            )
        elif lines:
            self.say(
                f"Questions ({plural(len(lines), 'question')}, "
                f"{self.people_here()} here):",
                style="bold",
            )
        for line in lines:
            self.show(line)
        if not lines and empty_note:
            self.say("No questions on the list yet.", style="dim")
