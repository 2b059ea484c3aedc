"""Interactive mode: type a question, press Enter; see the room's questions and what is on air.

Plain lines on a plain terminal, no full-screen interface, so that it works over SSH, in a
small window and with a screen reader. Standard input is read by a daemon thread that hands
each line to the event loop, so waiting for the attendee never blocks the connection.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import ssl as ssl_module
import sys
import threading
from typing import Any

from rich.console import Console
from rich.text import Text

from . import protocol as p
from .config import Config
from .render import (
    header,
    on_air_line,
    question_line,
    question_lines,
    safe,
    segment_line,
)
from .session import Refused, Request, Session, SessionError
from .state import Event
from .text import plural

HELP = """\
Type a question and press Enter to send it. Commands:
  /list       the questions and their votes
  /vote N     vote for question #N
  /unvote N   take your vote back
  /help       this help
  /quit       leave (Ctrl-D works too)
Start a question with // to send one that begins with a slash."""

#: After the last line of input (a pipe that ends, Ctrl-D), how long to wait for the hub to
#: confirm questions still in flight before leaving; unconfirmed ones stay in the outbox.
DRAIN_SECONDS = 10.0


def _start_reader(
    loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None]
) -> None:
    """Hand each line of standard input to the loop; ``None`` marks the end of input.

    The thread reads the file descriptor with ``os.read``, not ``input()``: a daemon thread
    blocked inside ``sys.stdin`` holds its lock, and Python then aborts at exit ("could not
    acquire lock for stdin at interpreter shutdown") instead of exiting with our code.
    """

    def deliver(line: str | None) -> bool:
        try:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        except RuntimeError:  # the loop is gone: we are exiting
            return False
        return True

    def read() -> None:
        try:
            fd = sys.stdin.fileno()
            encoding = sys.stdin.encoding or "utf-8"
        except (
            AttributeError,
            OSError,
            ValueError,
        ):  # no usable stdin (pythonw, closed)
            deliver(None)
            return
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        pending = ""
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            pending += decoder.decode(chunk, final=not chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                if not deliver(line.rstrip("\r")):
                    return
            if not chunk:
                if pending.strip():
                    deliver(pending)
                deliver(None)
                return

    threading.Thread(target=read, name="fireside-ask-stdin", daemon=True).start()


class Interactive:
    """Prints what happens in the room and turns typed lines into requests."""

    def __init__(self, console: Console, url: str) -> None:
        self.console = console
        self.url = url
        self.session: Session | None = None
        self.welcomed = False
        self.outage_reported = False
        self.shown_segment: str | None = None
        self.watchers: set[asyncio.Future[None]] = set()

    def say(self, *parts: Any, style: str = "") -> None:
        """Print one line; ``str`` parts are ours, hub text must already be ``safe``."""
        line = Text(style=style)
        for part in parts:
            line.append(part if isinstance(part, (str, Text)) else str(part))
        self.console.print(line)

    # --- what the hub tells us -----------------------------------------------------
    def on_event(self, event: Event) -> None:
        handler = getattr(self, f"_on_{event.kind}", None)
        if handler is not None:
            handler(event)

    def _on_connecting(self, event: Event) -> None:
        if not self.welcomed and not self.outage_reported:
            self.say(f"Connecting to {self.url} …", style="dim")

    def _on_welcome(self, event: Event) -> None:
        assert self.session is not None
        state = self.session.state
        if self.welcomed:
            self.say("Reconnected.", style="green")
            self.outage_reported = False
            return
        self.welcomed = True
        self.outage_reported = False
        for line in header(state):
            self.console.print(line)
        self.say(f"Connected: {self.people_here()} here.", style="dim")
        if state.segment is not None:
            self._show_segment(state.segment)
        elif state.clock_state == "finished":
            self.say(
                "This session has ended; questions may still be read afterwards.",
                style="dim",
            )
        if state.on_air is not None:
            self.console.print(on_air_line(state.questions.get(state.on_air)))
        self.show_list(empty_note=False)
        self.console.print(
            Text(
                "Type your question and press Enter. /help for commands.", style="bold"
            )
        )

    def _on_disconnected(self, event: Event) -> None:
        if self.outage_reported:
            return
        self.outage_reported = True
        reason = safe(event.message.get("reason")) or "connection lost"
        delay = event.message.get("retry_in") or 0
        self.say(
            f"Not connected: {reason}. Retrying in {delay:.1f} s; "
            "you can keep typing, questions wait until the hub is back.",
            style="yellow",
        )

    def _show_segment(self, segment: dict[str, Any]) -> None:
        if segment.get("id") != self.shown_segment:
            self.shown_segment = segment.get("id")
            self.console.print(segment_line(segment))

    def _on_segment(self, event: Event) -> None:
        segment = event.message.get("segment")
        if isinstance(segment, dict) and self.welcomed:
            self._show_segment(segment)

    def _on_finished(self, event: Event) -> None:
        self.shown_segment = None
        self.say("The session has ended. Thank you for your questions!", style="bold")

    def _on_on_air(self, event: Event) -> None:
        question = event.message.get("question")
        self.console.print(
            on_air_line(question if isinstance(question, dict) else None)
        )

    def _on_question(self, event: Event) -> None:
        assert self.session is not None
        state = self.session.state
        question = event.message["question"]
        qid, status = question["id"], question.get("state")
        before = event.before.get("state") if event.before else None
        if status == before or status in (p.ON_AIR, p.ANSWERED):
            return  # edits are quiet; on air has its own line
        if qid in state.mine:
            if status == p.APPROVED:
                self.say(
                    f"Your question #{qid} was approved and is on the list.",
                    style="green",
                )
            return
        if status == p.APPROVED and before is None:
            line = Text("New ", style="dim")
            line.append_text(question_line(question))
            self.console.print(line)

    def _on_question_removed(self, event: Event) -> None:
        qid, into = event.message.get("id"), event.message.get("merged_into")
        if isinstance(into, int):
            self.say(f"#{qid} was merged into #{into}.", style="dim")
        elif event.mine:
            self.say(
                f"The moderator did not take your question #{qid}.", style="yellow"
            )

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
        state = self.session.state
        lines = list(question_lines(state))
        if lines:
            self.say(
                f"Questions ({plural(len(lines), 'question')}, "
                f"{self.people_here()} here):",
                style="bold",
            )
        for line in lines:
            self.console.print(line)
        if not lines and empty_note:
            self.say("No questions on the list yet.", style="dim")

    # --- what the attendee types ---------------------------------------------------
    def watch(self, request: Request, on_done: Any) -> None:
        async def wait() -> None:
            try:
                on_done(await request.future)
            except Refused as exc:
                what = (
                    "Not sent"
                    if request.message["type"] == "ask"
                    else "Vote not counted"
                )
                self.say(f"{what}: ", safe(exc.message, 300), style="red")
            except (SessionError, asyncio.CancelledError):
                pass

        task = asyncio.ensure_future(wait())
        self.watchers.add(task)
        task.add_done_callback(self.watchers.discard)

    def asked(self, ack: dict[str, Any]) -> None:
        if ack.get("state") == p.PENDING:
            self.say(
                f"#{ack.get('question_id')} sent — waiting for the moderator.",
                style="green",
            )
        else:
            self.say(
                f"#{ack.get('question_id')} sent — it is on the list.", style="green"
            )

    def handle(self, line: str) -> bool:
        """Act on one typed line; return False to leave."""
        assert self.session is not None
        session = self.session
        line = line.strip()
        if not line:
            return True
        if line.startswith("/") and not line.startswith("//"):
            command, _, rest = line.partition(" ")
            command = command.lower()
            if command in ("/quit", "/exit", "/q"):
                return False
            if command in ("/help", "/h", "/?"):
                self.say(HELP)
            elif command in ("/list", "/l"):
                self.show_list()
            elif command in ("/vote", "/unvote", "/v"):
                self.vote(rest, up=command != "/unvote")
            else:
                self.say(
                    f"Unknown command {safe(command, 20)}; type /help.", style="yellow"
                )
            return True
        if line.startswith("//"):
            line = line[1:]
        try:
            request = session.ask(line)
        except Refused as exc:
            self.say("Not sent: ", exc.message, style="red")
            return True
        if self.outage_reported:
            self.say(
                "Not connected right now: your question will be sent when the hub is "
                "back.",
                style="yellow",
            )
        self.watch(request, self.asked)
        return True

    def vote(self, argument: str, *, up: bool) -> None:
        assert self.session is not None
        try:
            qid = int(argument.strip().lstrip("#"))
        except ValueError:
            self.say("Which question? For example: /vote 3", style="yellow")
            return

        def voted(ack: dict[str, Any]) -> None:
            count = ack.get("votes")
            votes = f" ({plural(count, 'vote')})" if isinstance(count, int) else ""
            verb = "Voted for" if up else "Took back your vote on"
            self.say(f"{verb} #{qid}{votes}.", style="green")

        self.watch(self.session.vote(qid, up), voted)


async def run_interactive(
    url: str,
    client_id: str,
    *,
    console: Console,
    config: Config,
    name: str | None = None,
    ssl: ssl_module.SSLContext | None = None,
) -> int:
    """Run until /quit or the end of input; raise ``SessionError`` if the hub turns us away."""
    loop = asyncio.get_running_loop()
    ui = Interactive(console, url)
    session = Session(
        url, client_id, name=name, ssl=ssl, config=config, listener=ui.on_event
    )
    ui.session = session
    if not config.writable:
        ui.say(
            f"Note: cannot save in {config.problem}; your questions are kept in memory only.",
            style="dim",
        )
    for request in session.restored:
        ui.say(
            "Sending again a question from last time: ",
            safe(request.text, 80),
            style="dim",
        )
        ui.watch(request, ui.asked)
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    _start_reader(loop, lines)
    runner = asyncio.ensure_future(session.run())
    try:
        while True:
            getter = asyncio.ensure_future(lines.get())
            await asyncio.wait({getter, runner}, return_when=asyncio.FIRST_COMPLETED)
            if runner.done():
                getter.cancel()
                runner.result()  # raises why the hub turned us away
                return 0
            line = getter.result()
            if line is None:
                break
            if not ui.handle(line):
                break
        asks = [
            r.future for r in session.pending.values() if r.message["type"] == "ask"
        ]
        if asks and not runner.done():
            ui.say(
                f"Waiting for the hub to confirm {plural(len(asks), 'question')} …",
                style="dim",
            )
            confirmed: asyncio.Future[Any] = asyncio.gather(
                *asks, return_exceptions=True
            )
            await asyncio.wait(
                {confirmed, runner},
                timeout=DRAIN_SECONDS,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if ui.watchers:  # let the "#N sent" lines print
                await asyncio.wait(set(ui.watchers), timeout=1)
            left = sum(1 for f in asks if not f.done())
            if left:
                ui.say(
                    f"{plural(left, 'question')} not confirmed yet: sent again the next "
                    "time you start fireside-ask for this hub.",
                    style="yellow",
                )
        if runner.done():
            runner.result()
        return 0
    finally:
        await session.close()
        runner.cancel()
        await asyncio.wait({runner})
        if not runner.cancelled():
            runner.exception()
