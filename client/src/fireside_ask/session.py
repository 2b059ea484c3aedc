"""The attendee's connection to a hub: hello, the hub's live state, and reconnecting.

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
"""

from __future__ import annotations

import asyncio
import errno
import random
import socket
import ssl as ssl_module
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
)

from . import __version__
from . import protocol as p
from .config import Config, new_request_id
from .state import Event, HubState, Message
from .text import clean_text

#: The welcome carries every visible question, so it can be far larger than the 1 MiB
#: websockets allows by default.
MAX_INCOMING = 16 * 1024 * 1024
#: Close codes after which reconnecting is the right thing to do.
_TRANSIENT_CLOSES = frozenset({1001, 1005, 1006, 1011, 1012, 1013, 1014})


class SessionError(Exception):
    """Why a session cannot go on; ``exit_code`` is what the command exits with."""

    exit_code = 3

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unreachable(SessionError):
    """No connection could be made (or kept) to the address."""


class NotAHub(SessionError):
    """Something answered, but it is not a Fireside hub."""


class Refused(SessionError):
    """The hub answered with an ``error``: the question or vote (or the hello) was refused."""

    exit_code = 1

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Transient(Exception):
    """The connection failed or dropped in a way that is worth retrying."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused
        """Nothing listens at the address (ECONNREFUSED): the answer comes at once."""


def _is_refused(exc: BaseException) -> bool:
    # A name with several addresses (localhost: ::1 and 127.0.0.1) fails with one OSError
    # that lists each attempt, without an errno of its own.
    if isinstance(exc, ConnectionRefusedError):
        return True
    return isinstance(exc, OSError) and f"[Errno {errno.ECONNREFUSED}]" in str(exc)


@dataclass
class Request:
    """One request waiting for its ``ack`` or ``error``."""

    request_id: str
    message: Message
    future: asyncio.Future[Message]
    persistent: bool = False
    """An ask kept in the outbox file until the hub answers it."""

    @property
    def text(self) -> str:
        return str(self.message.get("text", ""))


Listener = Callable[[Event], None]


def backoff_delays(
    base: float = 0.5, cap: float = 10.0, rand: Callable[[], float] = random.random
) -> Iterator[float]:
    """Yield reconnect delays: ``base`` doubling up to ``cap``, each cut by up to a half."""
    delay = base
    while True:
        yield delay * (0.5 + rand() / 2)
        delay = min(cap, delay * 2)


def _describe_oserror(exc: BaseException) -> str:
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "timed out"
    if _is_refused(exc):
        return "connection refused"
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, EOFError)):
        return "the connection was reset"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


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
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        # A request can fail when the session ends with nobody awaiting it: mark its
        # exception as seen so asyncio does not log "exception was never retrieved".
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        request = Request(message["request_id"], message, future, persistent)
        self.pending[request.request_id] = request
        return request

    def check_question(self, text: str) -> str:
        """Return the text the hub would store, or raise ``Refused`` as the hub would."""
        cleaned = clean_text(text)
        if not cleaned:
            raise Refused(p.EMPTY, "The question is empty.")
        limit = self.state.question_chars
        if len(cleaned) > limit:
            raise Refused(
                p.TOO_LONG,
                f"The question has {len(cleaned)} characters; the limit is {limit}.",
            )
        return cleaned

    def _check_frame(self, message: Message) -> None:
        # The hub closes the connection (1009) on a frame over its limit, instead of
        # answering; so say "too long" here rather than lose the connection.
        size = len(p.encode(message).encode("utf-8"))
        if size > self.state.frame_bytes:
            raise Refused(
                p.TOO_LONG,
                f"The question is {size} bytes once encoded; the hub accepts "
                f"{self.state.frame_bytes}. Please shorten it.",
            )

    def ask(self, text: str) -> Request:
        """Queue a question and send it as soon as the hub is reachable.

        Raises ``Refused`` at once for an empty or too long question. The returned
        request's future resolves to the ``ack`` (with ``question_id``) or fails with
        ``Refused``.
        """
        cleaned = self.check_question(text)
        message = {"type": "ask", "request_id": new_request_id(), "text": cleaned}
        self._check_frame(message)
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
        if (
            request.persistent
            and self.config is not None
            and not isinstance(error, _Kept)
        ):
            self.config.remove_from_outbox(self.url, request.request_id)
        if request.future.done():
            return
        if error is not None:
            request.future.set_exception(error)
        elif reply is not None and reply.get("type") == "error":
            request.future.set_exception(
                Refused(
                    str(reply.get("code") or "error"),
                    clean_text(
                        str(reply.get("message") or "The hub refused the request.")
                    ),
                )
            )
        else:
            request.future.set_result(reply or {})

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
                except _Transient as exc:
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
                self._settle(request, None, _Kept(exc) if request.persistent else exc)
            raise
        finally:
            self.phase = "idle"
            self.connected.clear()
            self._ws = None

    def _count_refusal(self, exc: _Transient) -> None:
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
        return urlsplit(self.url).hostname or self.url

    async def _open(self) -> ClientConnection:
        try:
            return await connect(
                self.url,
                ssl=self.ssl,
                open_timeout=self.open_timeout,
                max_size=MAX_INCOMING,
                close_timeout=2,
                user_agent_header=f"fireside-ask/{__version__}",
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (502, 503, 504):
                body = clean_text(exc.response.body.decode("utf-8", "replace"))[:100]
                raise _Transient(
                    f"the hub answered HTTP {status}: {body or 'busy'}"
                ) from None
            raise NotAHub(
                f"{self.url} answered HTTP {status}, not a websocket: "
                "it is not a Fireside hub."
            ) from None
        except InvalidURI:
            raise NotAHub(f"{self.url} is not a valid websocket address.") from None
        except ssl_module.SSLCertVerificationError as exc:
            raise Unreachable(
                f"the TLS certificate of {self.host} is not trusted "
                f"({exc.verify_message}); pass --cafile FILE if the hub uses its own CA."
            ) from None
        except ssl_module.SSLError as exc:
            raise NotAHub(
                f"the TLS handshake with {self.host} failed ({exc.reason or exc}); "
                "is it a wss:// hub?"
            ) from None
        except (InvalidMessage, InvalidHandshake):
            raise NotAHub(
                f"{self.url} did not answer as a websocket server: it is not a Fireside hub."
            ) from None
        except socket.gaierror:
            if not self.ever_connected:
                raise Unreachable(f"cannot find the host {self.host!r}.") from None
            raise _Transient(f"cannot find the host {self.host!r}") from None
        except (ConnectionResetError, ConnectionAbortedError, EOFError) as exc:
            if self.url.startswith("wss://") and not self.ever_connected:
                # What a plain ws:// server does to a TLS hello.
                raise NotAHub(
                    f"the TLS handshake with {self.host} failed (the server hung up): "
                    "is it a wss:// hub? Try ws:// instead."
                ) from None
            raise _Transient(_describe_oserror(exc)) from None
        except (OSError, asyncio.TimeoutError, TimeoutError) as exc:
            raise _Transient(_describe_oserror(exc), refused=_is_refused(exc)) from None

    def _close_code(self, ws: ClientConnection) -> int:
        code = ws.protocol.close_code
        return 1006 if code is None else code

    def _refusal_after_close(self, ws: ClientConnection) -> Refused:
        error = self._last_error or {}
        reason = ws.protocol.close_reason or "The hub closed the connection."
        return Refused(
            str(error.get("code") or p.NOT_ALLOWED),
            clean_text(str(error.get("message") or reason)),
        )

    async def _hello(self, ws: ClientConnection) -> p.Welcome:
        self._last_error = None
        try:
            await ws.send(p.encode(p.hello(p.ATTENDEE, self.client_id, self.name)))
            frame = await asyncio.wait_for(ws.recv(), self.welcome_timeout)
        except (asyncio.TimeoutError, TimeoutError):
            raise NotAHub(
                f"{self.url} is a websocket server but did not answer hello within "
                f"{self.welcome_timeout:g} s: it is not a Fireside hub."
            ) from None
        except ConnectionClosed:
            code = self._close_code(ws)
            if code == p.CLOSE_POLICY:
                raise self._refusal_after_close(ws) from None
            if code in _TRANSIENT_CLOSES:
                raise _Transient(
                    f"the connection closed during hello ({code})"
                ) from None
            raise NotAHub(
                f"{self.url} closed the connection after hello (code {code}): "
                "it is not a Fireside hub."
            ) from None
        try:
            message = p.decode_message(frame)
        except p.ProtocolError as exc:
            if exc.kind:
                raise NotAHub(
                    f"{self.url} answered hello with {clean_text(exc.kind)[:40]!r}, "
                    "not welcome: it is not a Fireside hub."
                ) from None
            raise NotAHub(
                f"{self.url} answered hello with something that is not a Fireside "
                "message: it is not a Fireside hub."
            ) from None
        if message["type"] == "error" and message["code"] == p.RATE_LIMITED:
            # A full room: not a refusal of this attendee, so keep trying with backoff.
            raise _Transient(clean_text(message["message"] or "The room is full."))
        if message["type"] == "error":
            raise Refused(
                message["code"] or "error",
                clean_text(message["message"] or "The hub refused the connection."),
            )
        if message["type"] != "welcome":
            raise NotAHub(
                f"{self.url} answered hello with {clean_text(message['type'])[:40]!r}, "
                "not welcome: it is not a Fireside hub."
            )
        return message

    async def _connect_once(self) -> None:
        self.phase = "connecting"
        self._emit(Event("connecting", {"url": self.url}))
        ws = await self._open()
        try:
            self.phase = "hello"
            welcome = await self._hello(ws)
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
                        self._check_frame(request.message)
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
        code = self._close_code(ws)
        if code == p.CLOSE_POLICY:
            raise self._refusal_after_close(ws)
        if code == p.CLOSE_TOO_BIG:
            raise SessionError(
                "the hub closed the connection: a message was too big for it."
            )
        if code == 1001:
            raise _Transient("the hub went away (it may be restarting)")
        raise _Transient(f"the connection was lost ({code})")

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


class _Kept(SessionError):
    """The session ended before the hub answered; the ask stays in the outbox file."""

    def __init__(self, cause: SessionError) -> None:
        super().__init__(cause.message)
        self.exit_code = cause.exit_code
        self.__cause__ = cause
