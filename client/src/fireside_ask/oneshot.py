"""One-shot commands: ask one question, list the questions, or vote, then exit.

Each connects, does its one thing and leaves. A drop in the middle (the hub restarting) is
ridden out by the session's reconnect, with the same request id, until ``timeout`` seconds
have passed in all; then the command gives up with exit code 3.
"""

from __future__ import annotations

import asyncio
import ssl as ssl_module
import sys
from collections.abc import Awaitable
from typing import Any

from .render import make_console, question_lines, safe, vote_message
from .session import NotAHub, Session, Unreachable, finish
from .state import HubState, Message

#: Refused connections in a row before a one-shot command gives up.
REFUSED_ATTEMPTS = 3


async def _until(
    session: Session,
    runner: asyncio.Future[None],
    work: Awaitable[Any],
    deadline: float,
    timeout: float,
) -> Any:
    """Wait for ``work``; fail with the session's own error, or ``Unreachable`` in time."""
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    try:
        await asyncio.wait(
            {task, runner},
            timeout=max(0.0, deadline - loop.time()),
            return_when=asyncio.FIRST_COMPLETED,
        )
        if task.done():
            return task.result()
        if runner.done():
            runner.result()  # raises the reason the session ended
            raise Unreachable(f"the connection to {session.url} ended.")
        if session.phase == "hello" and not session.ever_connected:
            raise NotAHub(
                f"{session.url} is a websocket server but did not answer hello "
                f"within {timeout:g} s: it is not a Fireside hub, or it is stuck."
            )
        problem = session.problem or f"no answer within {timeout:g} s"
        if session.ever_connected:
            raise Unreachable(
                f"no answer from the hub at {session.url} within "
                f"{timeout:g} s ({problem})."
            )
        raise Unreachable(f"hub unreachable at {session.url} ({problem}).")
    finally:
        task.cancel()


async def run_oneshot(
    url: str,
    client_id: str,
    *,
    ask: str | None = None,
    vote: int | None = None,
    up: bool = True,
    name: str | None = None,
    ssl: ssl_module.SSLContext | None = None,
    timeout: float = 15.0,
) -> int:
    """Do one thing on the hub at ``url``; without ``ask`` or ``vote``, list the questions."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    session = Session(
        url,
        client_id,
        name=name,
        ssl=ssl,
        open_timeout=min(10.0, timeout),
        welcome_timeout=min(10.0, timeout),
        # A refusal is immediate: three in a row (about a second, enough for a hub that
        # is restarting) mean nothing listens there, so say so without waiting out
        # the timeout.
        refused_limit=REFUSED_ATTEMPTS,
    )
    runner = asyncio.ensure_future(session.run())
    try:
        await _until(session, runner, session.connected.wait(), deadline, timeout)
        if ask is not None:
            request = session.ask(ask)
            ack: Message = await _until(
                session, runner, request.future, deadline, timeout
            )
            _print_asked(ack, ended=session.state.ended)
        elif vote is not None:
            request = session.vote(vote, up)
            ack = await _until(session, runner, request.future, deadline, timeout)
            print(vote_message(vote, up, ack, take_back="--unvote"), flush=True)
        else:
            _print_list(session.state)
        return 0
    finally:
        await finish(session, runner)


def _print_asked(ack: Message, *, ended: bool) -> None:
    """Print the new question's number, and a note if the session has ended."""
    print(f"#{ack.get('question_id')}", flush=True)
    if ended:
        # stdout stays "#ID" alone, for scripts; the note is for the person.
        print(
            "fireside-ask: note: the session has ended; the speakers may follow "
            "up on your question afterwards.",
            file=sys.stderr,
            flush=True,
        )


def _print_list(state: HubState) -> None:
    """Print the questions on the list, or say on stderr that there are none yet."""
    console = make_console()
    lines = list(question_lines(state))
    for line in lines:
        console.print(line, soft_wrap=True)
    if not lines:
        title = safe(state.title, 120)
        print(
            f"No questions yet{' in ' + title if title else ''}.",
            file=sys.stderr,
        )
