"""Interactive mode: type a question, press Enter; see the room's questions and what is on air.

Plain lines on a plain terminal, no full-screen interface, so that it works over SSH, in a
small window and with a screen reader. Standard input is read by a daemon thread that hands
each line to the event loop (``lineinput``, with readline's editing and history on a
terminal), so waiting for the attendee never blocks the connection.
"""

from __future__ import annotations

import asyncio
import ssl as ssl_module
from typing import Any

from rich.console import Console

from . import protocol as p
from .config import Config
from .lineinput import LineInput
from .notices import Notices
from .render import safe, vote_message
from .session import Refused, Request, Session, SessionError, finish
from .state import HubState
from .text import plural

COMMANDS = """\
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


def help_text(state: HubState, *, editing: bool) -> str:
    """The /help text, with the limits the hub announced (or the protocol's defaults)."""
    limits = (
        f"Limits: {state.question_chars} characters a question, "
        f"{plural(state.questions_per_minute, 'question')} and "
        f"{plural(state.votes_per_minute, 'vote')} a minute."
    )
    keys = (
        "\nArrow keys edit the line; up-arrow brings back what you typed before."
        if editing
        else ""
    )
    return f"{COMMANDS}\n{limits}{keys}"


class Interactive(Notices):
    """Prints what happens in the room and turns typed lines into requests."""

    def watch(self, request: Request, on_done: Any) -> None:
        async def wait() -> None:
            try:
                on_done(await request.future)
            except Refused as exc:
                asking = request.message["type"] == "ask"
                what = "Not sent" if asking else "Vote not counted"
                again = ""
                if asking and self.lines is not None and self.editing:
                    self.lines.remember(request.text)
                    again = " Press ↑ to bring your question back."
                self.say(f"{what}: ", safe(exc.message, 300), again, style="red")
            except (SessionError, asyncio.CancelledError):
                pass

        task = asyncio.ensure_future(wait())
        self.watchers.add(task)
        task.add_done_callback(self.watchers.discard)

    def asked(self, ack: dict[str, Any]) -> None:
        news = (
            "waiting for the moderator."
            if ack.get("state") == p.PENDING
            else "it is on the list."
        )
        if self.session is not None and self.state.ended:
            # Decided: asks after the end are taken and kept for the record; say so,
            # so that nobody waits for an answer on stage.
            news += " The session has ended: the speakers may follow up on it afterwards."
        self.say(f"#{ack.get('question_id')} sent — {news}", style="green")

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
                self.say(help_text(self.state, editing=self.editing))
            elif command in ("/list", "/l"):
                self.show_list()
            elif command in ("/vote", "/unvote", "/v"):
                self.vote(rest, up=command != "/unvote")
            else:
                self.say(
                    f"Unknown command {safe(command, 20)}; type /help.", style="yellow"
                )
            return True
        text = line[1:] if line.startswith("//") else line
        try:
            request = session.ask(text)
        except Refused as exc:
            if exc.code == p.TOO_LONG and self.editing:
                # Put it back on the prompt: retyping 500 characters is what makes
                # people give up.
                self.refill = line
                self.say("Not sent: ", exc.message, " Shorten it and press Enter.", style="red")
            else:
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
            self.say(vote_message(qid, up, ack, take_back="/unvote"), style="green")

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
    lines = LineInput(asyncio.get_running_loop())
    ui = Interactive(console, url, lines=lines)
    session = Session(
        url, client_id, name=name, ssl=ssl, config=config, listener=ui.on_event
    )
    ui.session = session
    _greet(ui, config, session)
    lines.start()
    runner = asyncio.ensure_future(session.run())
    try:
        await _read_lines(ui, lines, runner)
        if not runner.done():
            await _drain(ui, session, runner)
        if runner.done():
            runner.result()  # raises why the hub turned us away
        return 0
    finally:
        lines.close()
        await finish(session, runner)


def _greet(ui: Interactive, config: Config, session: Session) -> None:
    """Say, before anything else, that nothing is saved or that last time's asks go again."""
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


async def _read_lines(ui: Interactive, lines: LineInput, runner: asyncio.Future[None]) -> None:
    """Hand each typed line to ``ui`` until /quit, the end of input, or the session ends."""
    while True:
        getter = asyncio.ensure_future(lines.lines.get())
        either: set[asyncio.Future[Any]] = {getter, runner}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            getter.cancel()
            return
        line = getter.result()
        if line is None or not ui.handle(line):
            return
        refill, ui.refill = ui.refill, ""
        lines.ready(refill)


async def _drain(ui: Interactive, session: Session, runner: asyncio.Future[None]) -> None:
    """Wait a while for the hub to confirm the asks still in flight; say if some are not."""
    asks = [r.future for r in session.pending.values() if r.message["type"] == "ask"]
    if not asks:
        return
    ui.say(
        f"Waiting for the hub to confirm {plural(len(asks), 'question')} …",
        style="dim",
    )
    confirmed: asyncio.Future[Any] = asyncio.gather(*asks, return_exceptions=True)
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
