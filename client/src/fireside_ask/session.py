"""The attendee's session with a hub: its live state, requests, and reconnecting.

``Session.run`` connects, says hello with the stored client id, reads ``welcome`` and then
every pushed message, and reconnects on its own when the connection drops (the hub restarts,
the Wi-Fi changes), waiting 0.5 s, 1 s, 2 s ... up to 10 s between attempts, with jitter so
that a room full of clients does not knock on the hub at the same instant.

Requests wait in ``pending`` until the hub answers them. After a reconnect every one of them
is sent again with the same ``request_id``: the hub recognises a repeated ask and answers
with the same question number, so a question is never stored twice and never lost. Asks are
also written to the outbox file when a ``Config`` is given, so they survive a crash.

Only a few things end a session for good; they raise a ``SessionError`` from ``run``: the
server is not a Fireside hub, the hub refused the hello (or later closed with 1008), or the
host name does not exist before the first connection ever worked.

Opening the connection and the hello handshake are in ``connection``; the record of a
request and the checks made before it is sent, in ``pending``.
"""

from __future__ import annotations

import asyncio
import ssl as ssl_module
from typing import Any, Callable

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from . import protocol as p
from .config import Config, new_request_id
from .connection import (
    MAX_INCOMING,
    NotAHub,
    Refused,
    SessionError,
    Transient,
    Unreachable,
    backoff_delays,
    close_code,
    host_of,
    open_connection,
    refusal_after_close,
    say_hello,
)
from .pending import Kept, Request, check_frame, check_question, new_request, resolve
from .state import Event, HubState, Message

# What callers import from here; the errors and the backoff live in ``connection``.
__all__ = [
    "MAX_INCOMING",
    "NotAHub",
    "Refused",
    "Request",
    "Session",
    "SessionError",
    "Unreachable",
    "backoff_delays",
]


Listener = Callable[[Event], None]


class Session:
    """One attendee's connection to one hub, reconnecting until ``close`` is called."""

    def __init__(
        self,
        url: str,
        client_id: str,
        *,
        name: str | None = None,
        ssl: ssl_module.SSLContext | None = None,
        config: Config | None = None,
        listener: Listener | None = None,
        open_timeout: float = 10.0,
        welcome_timeout: float = 10.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 10.0,
        refused_limit: int | None = None,
    ) -> None:
        self.url = url
        self.client_id = client_id
        self.name = name
        self.ssl = ssl
        self.config = config
        self.listener = listener
        self.open_timeout = open_timeout
        self.welcome_timeout = welcome_timeout
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.refused_limit = refused_limit
        """Give up (``Unreachable``) after this many refused connections in a row, if
        none ever worked; ``None`` keeps trying."""
        self.refused_in_a_row = 0
        self.state = HubState()
        self.connected = asyncio.Event()
        """Set while a welcomed connection is open."""
        self.ever_connected = False
        self.connections = 0
        """How many times a welcome was received (1 after the first connection)."""
        self.phase = "idle"
        """``connecting`` (opening the socket), ``hello`` (waiting for welcome),
        ``connected``, ``waiting`` (to reconnect) or ``idle``."""
        self.problem: str | None = None
        """Why the last connection attempt failed or the last connection ended."""
        self.pending: dict[str, Request] = {}
        self._ws: ClientConnection | None = None
        self._sends: set[asyncio.Future[None]] = set()
        self._stopping = asyncio.Event()
        self._last_error: Message | None = None
        self.restored: list[Request] = []
        """Asks from the outbox file of an earlier run, to be sent again."""
        if config is not None:
            for entry in config.outbox(url):
                message = {
                    "type": "ask",
                    "request_id": entry["request_id"],
                    "text": entry["text"],
                }
                self.restored.append(self._track(message, persistent=True))

    # --- requests ------------------------------------------------------------------
    def _track(self, message: Message, *, persistent: bool = False) -> Request:
        request = new_request(message, persistent=persistent)
        self.pending[request.request_id] = request
        return request

    def check_question(self, text: str) -> str:
        """Return the text the hub would store, or raise ``Refused`` as the hub would."""
        return check_question(text, self.state.question_chars)

    def ask(self, text: str) -> Request:
        """Queue a question and send it as soon as the hub is reachable.

        Raises ``Refused`` at once for an empty or too long question. The returned
        request's future resolves to the ``ack`` (with ``question_id``) or fails with
        ``Refused``.
        """
        cleaned = self.check_question(text)
        message = {"type": "ask", "request_id": new_request_id(), "text": cleaned}
        check_frame(message, self.state.frame_bytes)
        if self.config is not None:
            self.config.add_to_outbox(self.url, message["request_id"], cleaned)
        request = self._track(message, persistent=self.config is not None)
        self._send_soon(request)
        return request

    def vote(self, question_id: int, up: bool = True) -> Request:
        """Give (or with ``up=False`` take back) a vote; resolves to the ``ack``."""
        message = {
            "type": "vote",
            "request_id": new_request_id(),
            "question_id": question_id,
            "up": up,
        }
        request = self._track(message)
        self._send_soon(request)
        return request

    def _send_soon(self, request: Request) -> None:
        if self._ws is not None and self.connected.is_set():
            task = asyncio.ensure_future(self._send(self._ws, request))
            self._sends.add(
                task
            )  # a task nobody references may be collected mid-flight
            task.add_done_callback(self._sends.discard)

    async def _send(self, ws: ClientConnection, request: Request) -> None:
        try:
            await ws.send(p.encode(request.message))
        except ConnectionClosed:
            pass  # still pending: it goes again after the reconnect

    def _settle(
        self,
        request: Request,
        reply: Message | None,
        error: BaseException | None = None,
    ) -> None:
        self.pending.pop(request.request_id, None)
        if request.persistent and self.config is not None and not isinstance(error, Kept):
            self.config.remove_from_outbox(self.url, request.request_id)
        resolve(request, reply, error)

    # --- life cycle ----------------------------------------------------------------
    async def close(self) -> None:
        """Stop reconnecting and close the connection; ``run`` then returns."""
        self._stopping.set()
        if self._ws is not None:
            await self._ws.close()

    async def run(self) -> None:
        """Stay connected until ``close``; raise ``SessionError`` if it can never work."""
        delays = backoff_delays(self.backoff_base, self.backoff_cap)
        try:
            while not self._stopping.is_set():
                connections = self.connections
                try:
                    await self._connect_once()
                except Transient as exc:
                    self.problem = str(exc)
                    self._count_refusal(exc)
                if self._stopping.is_set():
                    break
                if self.connections != connections:
                    delays = backoff_delays(self.backoff_base, self.backoff_cap)
                delay = next(delays)
                self.phase = "waiting"
                self._emit(
                    Event("disconnected", {"reason": self.problem, "retry_in": delay})
                )
                try:
                    await asyncio.wait_for(self._stopping.wait(), delay)
                except (asyncio.TimeoutError, TimeoutError):
                    pass
        except SessionError as exc:
            for request in list(self.pending.values()):
                self._settle(request, None, Kept(exc) if request.persistent else exc)
            raise
        finally:
            self.phase = "idle"
            self.connected.clear()
            self._ws = None

    def _count_refusal(self, exc: Transient) -> None:
        """Give up early on an address where nothing listens; a restart is brief."""
        self.refused_in_a_row = self.refused_in_a_row + 1 if exc.refused else 0
        if (
            self.refused_limit is not None
            and not self.ever_connected
            and self.refused_in_a_row >= self.refused_limit
        ):
            raise Unreachable(
                f"hub unreachable at {self.url} (connection refused): nothing is "
                "listening there; check the address and port."
            )

    def _emit(self, event: Event) -> None:
        if self.listener is not None:
            self.listener(event)

    @property
    def host(self) -> str:
        return host_of(self.url)

    async def _connect_once(self) -> None:
        self.phase = "connecting"
        self._emit(Event("connecting", {"url": self.url}))
        ws = await open_connection(
            self.url,
            ssl=self.ssl,
            open_timeout=self.open_timeout,
            ever_connected=self.ever_connected,
        )
        try:
            self.phase = "hello"
            self._last_error = None
            welcome = await say_hello(
                ws, self.url, self.client_id, self.name, self.welcome_timeout
            )
            self.phase = "connected"
            events = self.state.apply_welcome(welcome)
            self.ever_connected = True
            self.connections += 1
            self.problem = None
            self._ws = ws
            self.connected.set()
            self._emit(Event("welcome", welcome))
            for event in events:
                self._emit(event)
            for request in list(self.pending.values()):
                if request.message["type"] == "ask":
                    try:
                        check_frame(request.message, self.state.frame_bytes)
                    except Refused as exc:
                        self._settle(request, None, exc)
                        continue
                await self._send(ws, request)
            async for frame in ws:
                self._receive(frame)
        except ConnectionClosed:
            pass
        finally:
            self._ws = None
            self.connected.clear()
            if not ws.protocol.close_code:
                await ws.close()
        if self._stopping.is_set():
            return
        code = close_code(ws)
        if code == p.CLOSE_POLICY:
            raise refusal_after_close(ws, self._last_error)
        if code == p.CLOSE_TOO_BIG:
            raise SessionError(
                "the hub closed the connection: a message was too big for it."
            )
        if code == 1001:
            raise Transient("the hub went away (it may be restarting)")
        raise Transient(f"the connection was lost ({code})")

    def _receive(self, frame: Any) -> None:
        try:
            message = p.decode_message(frame)
        except p.ProtocolError:
            return  # a newer hub's message, a hub bug or a hostile hub: skip the frame, keep the connection
        if (message["type"] == "ack" or message["type"] == "error") and (
            message["request_id"] in self.pending
        ):
            request = self.pending[message["request_id"]]
            if message["type"] == "ack" and request.message["type"] == "vote":
                self._apply_vote(request.message, message)
            elif message["type"] == "ack" and "question_id" in message:
                self.state.mine.add(message["question_id"])
            self._settle(request, dict(message))
            return
        if message["type"] == "error":
            self._last_error = dict(message)
        # Decoded, so the reducer gets every declared field in its declared kind.
        for event in self.state.apply(message):
            self._emit(event)

    def _apply_vote(self, request: Message, ack: p.Ack) -> None:
        qid = ack.get("question_id")
        if qid is None:
            return
        if request.get("up", True):
            self.state.my_votes.add(qid)
        else:
            self.state.my_votes.discard(qid)
        votes = ack.get("votes")
        if qid in self.state.questions and votes is not None:
            self.state.questions[qid]["votes"] = votes


async def finish(session: Session, runner: asyncio.Future[None]) -> None:
    """Close ``session`` and wait for its ``run`` task to end, whatever it raised.

    Its exception, if any, was reported already (or will not be): retrieve it so that
    asyncio does not log it as never retrieved.
    """
    await session.close()
    runner.cancel()
    await asyncio.wait({runner})
    if not runner.cancelled():
        runner.exception()
