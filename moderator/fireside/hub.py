"""The websocket hub: one session's questions, votes and moderator actions, live.

Flow of every request: decode, check the role, decide in the ``Room`` (pure rules), commit
through the single ``Writer``, then acknowledge and announce. Nothing is acknowledged or
shown to anyone before it is on disk.

Fan-out never waits on a slow client: each message is encoded once per audience and handed
to ``websockets.broadcast``, which writes without waiting. Before writing, any connection
whose write buffer is over ``write_buffer_limit`` is aborted, because a client that stopped
reading would otherwise make the buffer grow without bound (the keepalive ping cannot evict
it: the ping waits behind the same full buffer).

Fan-out to a large audience goes out in slices of ``fanout_slice`` connections with a turn of
the event loop between them: writing to 5,000 sockets holds the loop for 100 ms or more, and
an ask's ack would wait behind all of it. Pushes keep their order (one queue); a direct
reply to one connection never waits behind the queue.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import errno
import functools
import hmac
import ipaddress
import json
import logging
import math
import secrets
import ssl
import struct
import sys
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from fireside_ask import protocol as p
from fireside_ask.protocol import ProtocolError
from fireside_ask.text import clean_name, clean_text, plural

from .admission import GuardedConnection
from .agenda import Agenda, default_agenda
from .clock import STORED_PREFIX, Clock, ClockError, Event, SessionClock
from .dblock import DatabaseLock, StartError
from .fdlimit import ensure_open_files
from .gcpolicy import GcFreezer
from .joining import join_command, page_url
from .limits import Bucket
from .room import Change, Question, Room, RoomError
from .store import (
    Store,
    Write,
    action_undone_write,
    action_write,
    event_write,
    meta_write,
    question_update,
    question_write,
    vote_write,
)
from .topics import DuplicateIndex, TopicSuggester
from .web import is_websocket, origin_allowed, serve_http
from .writer import Writer

log = logging.getLogger("fireside.hub")


class _NoFrameContents(logging.Filter):
    """Keep frame contents out of the log, even at DEBUG: a moderator hello holds the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.DEBUG and record.msg in ("< %s", "> %s"))


_WS_LOG = logging.getLogger("fireside.ws")
_WS_LOG.addFilter(_NoFrameContents())

DATABASE_GONE = (
    "The hub's database file is gone, so nothing more can be saved; "
    "the moderator must restart the hub."
)

#: Connections kept free beyond ``max_connections`` for moderators and stage screens.
RESERVED = 16

#: Seconds a client refused for a full room (or too many stage screens) is told to wait.
ROOM_FULL_RETRY = 10.0

#: Moderator answers kept per moderator client id for resends.
ANSWERS_KEPT = 256

#: Connections allowed to wait for their ``hello`` at once, at least: beyond this the
#: oldest waiting one is cut to let a new one in, so silent sockets cannot hold the door
#: shut on the moderator. Scales up with ``max_connections`` for reconnect storms.
MIN_PENDING = 32

#: A connection whose backlog stays above this, with no progress, for ``stall_timeout``
#: seconds is not reading.
STALL_BYTES = 16 * 1024


def _kernel_backlog(transport: asyncio.BaseTransport) -> int:
    """Bytes the kernel still holds for this socket: unsent, or sent but not acknowledged.

    A client that stops reading closes its TCP window, so our data piles up here long
    before asyncio's own buffer grows (loopback buffers hold megabytes). Linux only
    (SIOCOUTQ); elsewhere 0, and the asyncio buffer alone decides.
    """
    sock = transport.get_extra_info("socket")
    if sock is None or _SIOCOUTQ is None:
        return 0
    try:
        raw = fcntl.ioctl(sock.fileno(), _SIOCOUTQ, b"\0\0\0\0")
    except OSError:
        return 0
    return int(struct.unpack("i", raw)[0])


try:
    import fcntl
    import termios

    _SIOCOUTQ: int | None = termios.TIOCOUTQ if sys.platform == "linux" else None
except ImportError:  # pragma: no cover - Windows
    _SIOCOUTQ = None


@dataclass
class HubConfig:
    """Everything ``fireside serve`` can set; the defaults are those of the spec."""

    db_path: Path = Path("fireside.db")
    """The session's SQLite file."""
    agenda: Agenda = field(default_factory=default_agenda)
    """The plan of the session."""
    host: str | None = None
    """Interface to listen on; ``None`` means all interfaces."""
    port: int = p.DEFAULT_PORT
    """TCP port; 0 picks a free one (tests)."""
    token: str | None = None
    """Moderator token; ``None`` reuses the stored one or generates one."""
    auto_approve: bool | None = None
    """Skip the moderation queue; ``None`` keeps the stored setting (default off)."""
    max_connections: int = 5000
    """Attendee connections beyond this are refused at ``hello`` ("the room is full")."""
    place_hold: float = 60.0
    """Seconds an attendee who left keeps its place in a full room (a dropped Wi-Fi)."""
    max_stages: int = 8
    """Stage screens open at once; more are refused at ``hello``, so that stage screens
    (which need no token) can never fill the moderators' reserve."""
    frames_burst: int = 60
    """Frames (pings included) a connection may send at once before its budget runs out."""
    frames_per_second: float = 10.0
    """How fast that budget refills; past it the connection is closed with 1008.
    Moderators are exempt once their token is checked."""
    max_frame: int = p.MAX_FRAME_BYTES
    """Largest frame a client may send, in bytes (close 1009 beyond)."""
    max_chars: int = p.MAX_QUESTION_CHARS
    """Longest question, in characters after cleaning."""
    questions_per_minute: int = p.QUESTIONS_PER_MINUTE
    """Asks allowed per attendee per minute."""
    votes_per_minute: int = p.VOTES_PER_MINUTE
    """Votes allowed per attendee per minute."""
    bad_frames_per_minute: int = 20
    """Bad frames tolerated per connection per minute before it is closed."""
    auth_failures_per_minute: int = 5
    """Wrong moderator tokens tolerated per remote address per minute."""
    new_clients_per_minute: int = 300
    """Attendee client ids never seen before that one address may bring per minute.
    High enough for a conference NAT (hundreds of people joining behind one address);
    people already known reconnect freely."""
    questions_per_address_per_minute: int = 60
    """Questions one address may ask per minute, whatever client ids it uses."""
    limit_loopback: bool = False
    """Apply the per-address limits to loopback too. Off: loopback is the moderator's own
    machine (the dashboard, ``--demo`` attendees, local tools), and anyone on it is out of
    the threat model."""
    allowed_origins: tuple[str, ...] = ()
    """Browser origins allowed to connect; terminal clients send no Origin and always may."""
    push_interval: float = 0.25
    """Seconds between coalesced vote and presence pushes (at most 4 per second)."""
    attendee_presence_interval: float = 2.0
    """Seconds between presence pushes to attendees while the count keeps changing.
    Moderators and stage screens get it every ``push_interval``; a whole room arriving
    would otherwise mean a push to everyone four times a second."""
    fanout_slice: int = 200
    """Connections written to in one turn of the event loop when pushing to many."""
    gc_freeze_step: int = 500
    """Freeze long-lived objects out of the garbage collector's walks each time this many
    more connections are open (see ``fireside.gcpolicy``); 0 leaves the collector alone."""
    hello_timeout: float = 10.0
    """Seconds a new connection has to send ``hello``."""
    write_buffer_limit: int = 1 << 20
    """Bytes queued to one client before it counts as stalled and is dropped."""
    close_grace: float = 3.0
    """Seconds shutdown waits for connections to close before cutting them."""
    stall_timeout: float = 1.5
    """Seconds a connection may hold a backlog over 16 KiB without progress before it is
    dropped as stalled (a slow reader that makes progress stays)."""
    published: bool = False
    """``fireside-ask`` is on the package index: the join command is the short
    ``pipx run fireside-ask HOST`` instead of installing from the wheel this hub serves."""
    certfile: Path | None = None
    """TLS certificate (PEM) to serve wss://; with ``keyfile``."""
    keyfile: Path | None = None
    """TLS private key (PEM) for ``certfile``."""


@dataclass(eq=False)
class Peer:
    """One open connection after a successful ``hello``."""

    ws: ServerConnection
    role: str
    client_id: str
    name: str | None
    strikes: Bucket
    address: str = "?"
    """The remote address it connected from (per-address limits count by it)."""
    backlog_since: float | None = None
    """Monotonic time since when its backlog stayed above ``STALL_BYTES`` with no progress."""
    queued: int = 0
    """Bytes of messages handed to this connection so far."""
    delivered_mark: int = 0
    """Bytes known delivered (queued minus backlog) at the last stall check."""
    answering: dict[str, asyncio.Future[p.Ack | p.Error]] = field(default_factory=dict)
    """Moderator requests being handled now, by request_id: ``_reply`` records the answer."""


Handler = Callable[[Peer, Any, Any], Awaitable[None]]
"""Handles one decoded request (its own message type) of a peer."""


class Hub:
    """A running hub: websocket server, room, store and writer."""

    def __init__(
        self,
        config: HubConfig,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.clock = clock
        """The wall clock: for the record and for display."""
        self.session_time = SessionClock(clock, monotonic)
        """The segment clock's measure of intervals (see ``fireside.clock``)."""
        self.store: Store | None = None
        self.room = Room(max_chars=config.max_chars)
        self.clock_model = Clock(config.agenda)
        """The segment clock; the hub is its single source of truth."""
        self.topics = TopicSuggester(config.agenda)
        self.duplicates = DuplicateIndex()
        self.token = ""
        self.token_generated = False
        """Whether the token came from the database or was just made (so it is printed)."""
        self._writer: Writer | None = None
        self._lock: DatabaseLock | None = None
        self._server: Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._peers: set[Peer] = set()
        self._moderators: set[Peer] = set()
        self._public: set[Peer] = set()
        self._stages: set[Peer] = set()
        self._by_client: dict[str, set[Peer]] = {}
        self._attendees = 0
        """Distinct attendee client ids with at least one open connection."""
        self._asks: dict[str, Bucket] = {}
        self._votes: dict[str, Bucket] = {}
        self._auth_failures: dict[str, Bucket] = {}
        self._new_clients: dict[str, Bucket] = {}
        """Per address: new client ids it may still bring this minute."""
        self._address_asks: dict[str, Bucket] = {}
        """Per address: questions it may still ask this minute."""
        self._limit_notices: dict[str, Bucket] = {}
        """Per (address, limit): so the moderator hears of a limit once a minute, not per hit."""
        self._known_clients: set[str] = set()
        self._held: dict[str, float] = {}
        """Attendees who left, with the monotonic time they did, oldest first: their
        places stay theirs for ``place_hold`` seconds."""
        self._answers: dict[str, dict[str, asyncio.Future[p.Ack | p.Error]]] = {}
        """Per moderator client id, the answers to its latest requests by request_id, so
        that a resend (a dashboard after a reconnect) gets the first answer and acts once."""
        """Client ids the hub has seen: they reconnect without counting as new."""
        self._inflight: dict[tuple[str, str], asyncio.Future[None]] = {}
        """Commits of asks not yet on disk, by (client_id, request_id): a resend waits."""
        self._vote_writes: dict[tuple[int, str], asyncio.Future[None]] = {}
        """Vote commits in flight per (question, client): a repeat waits for them."""
        self._database_gone = False
        self._dirty_votes: set[int] = set()
        self._last_presence = -1
        self._last_attendee_presence = -1
        self._attendee_presence_at = -math.inf
        self._fanout: collections.deque[tuple[list[Peer], bytes, int]] = collections.deque()
        """Pushes still going out in slices, oldest first: (peers, frame, next index)."""
        self._fanout_task: asyncio.Task[None] | None = None
        self._gc = GcFreezer(config.gc_freeze_step)
        self._version = 0
        """Bumped on every change that attendees can see: keys the welcome cache."""
        self._public_questions: tuple[int, int, str] | None = None
        """(room id, version, the public questions encoded), shared by every welcome."""
        self.peak_connected = 0
        self._stored_peak = 0
        self._pending: dict[ServerConnection, None] = {}
        self._handshake_refusals: weakref.WeakKeyDictionary[ServerConnection, tuple[str, str]]
        self._handshake_refusals = weakref.WeakKeyDictionary()
        """Browser handshakes accepted only to be refused with an ``error`` frame: a page
        cannot read an HTTP status of a failed websocket handshake (it sees 1006)."""
        """Connections waiting for their ``hello``, oldest first."""
        self._closed = asyncio.Event()
        self._handlers: dict[str, Handler] = {
            "ping": self._on_ping,
            "ask": self._on_ask,
            "vote": self._on_vote,
            "undo": self._on_undo,
            "settings": self._on_settings,
            "clock": self._on_clock,
            "export": self._on_export,
        }

    # --- life cycle ----------------------------------------------------------------
    async def start(self) -> None:
        """Bind the port, lock and open the database, load the session, start serving.

        The port is bound first and the database locked second, so that a hub that
        cannot run (port taken, another hub on the file) has written nothing at all.
        The socket only listens once the session is loaded (connections before that are
        refused, and clients retry).
        """
        short = ensure_open_files(self.config.max_connections, RESERVED)
        if short is not None:
            log.warning(short)
        self._server = await self._bind()
        try:
            self._lock = DatabaseLock.acquire(self.config.db_path)
            self.store = Store(self.config.db_path)
            self.store.load_room(self.room)
            self._index_duplicates()
            self._known_clients |= self._room_clients()
            clock_events = [
                Event.from_stored(at, kind, data)
                for _, at, kind, data in self.store.events()
                if kind.startswith(STORED_PREFIX)
            ]
            self.clock_model = Clock.replay(self.config.agenda, clock_events)
            self.session_time.resume(self.clock_model)
            self._resolve_settings()
        except BaseException:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
            if self.store is not None:
                self.store.close()
                self.store = None
            if self._lock is not None:
                self._lock.release()
                self._lock = None
            raise
        self._writer = Writer(self.store, on_failure=self._reload)
        self._writer.start()
        await self._server.start_serving()
        self._ticker = asyncio.create_task(self._tick(), name="fireside-ticker")
        log.info("hub listening on port %d with %d questions", self.port, len(self.room.questions))

    async def _bind(self) -> Server:
        """Bind the listening socket, without serving yet; a taken port is a ``StartError``."""
        try:
            return await serve(
                self._handle,
                self.config.host,
                self.config.port,
                ssl=self._tls_context(),
                # A room reconnecting at once (Wi-Fi back) overflows asyncio's default
                # listen backlog of 100: dropped SYNs retry after 1, 3, 7 s. The kernel
                # caps this at net.core.somaxconn.
                backlog=min(4096, max(128, self.config.max_connections // 2)),
                start_serving=False,
                process_request=self._process_request,
                max_size=self.config.max_frame,
                compression=None,
                max_queue=16,
                ping_interval=20,
                ping_timeout=20,
                close_timeout=5,
                server_header="Fireside",
                logger=_WS_LOG,
                create_connection=functools.partial(  # type: ignore[arg-type]
                    GuardedConnection,
                    write_cap=self.config.write_buffer_limit,
                    budget=lambda: Bucket(
                        self.config.frames_burst,
                        self.config.frames_burst / self.config.frames_per_second,
                    ),
                ),
            )
        except OSError as exc:
            where = f"port {self.config.port}"
            if exc.errno == errno.EADDRINUSE:
                raise StartError(
                    f"{where} is already in use (another hub?); stop it, or choose another "
                    "with --port."
                ) from None
            if exc.errno == errno.EACCES:
                raise StartError(f"{where} needs privileges; choose one above 1023.") from None
            raise StartError(f"cannot listen on {where}: {exc.strerror or exc}") from None

    def _tls_context(self) -> ssl.SSLContext | None:
        if self.config.certfile is None:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.config.certfile, self.config.keyfile)
        return context

    def _resolve_settings(self) -> None:
        assert self.store is not None
        stored_token = self.store.get_meta("token")
        if self.config.token:
            self.token = self.config.token
        elif stored_token:
            self.token = stored_token
            self.token_generated = True
        else:
            self.token = secrets.token_urlsafe(18)
            self.token_generated = True
            self.store.set_meta("token", self.token)
        if self.config.auto_approve is not None:
            self.room.auto_approve = self.config.auto_approve
            self.store.set_meta("auto_approve", json.dumps(self.config.auto_approve))
        else:
            self.room.auto_approve = json.loads(self.store.get_meta("auto_approve") or "false")
        self.store.set_meta("agenda", json.dumps(self.config.agenda.to_wire()))
        self.peak_connected = int(self.store.get_meta("peak_connected") or 0)
        self._stored_peak = self.peak_connected

    @property
    def port(self) -> int:
        assert self._server is not None
        for sock in self._server.sockets:
            return int(sock.getsockname()[1])
        raise RuntimeError("the hub is not listening")

    async def close(self) -> None:
        """Close every connection with 1001 (going away), flush the writer, close the db."""
        if self._server is not None:
            self._server.close()
            closed = asyncio.ensure_future(self._server.wait_closed())
            done, _ = await asyncio.wait([closed], timeout=self.config.close_grace)
            if not done:
                # A peer that vanished without closing TCP would hold the shutdown forever.
                stuck = list(self._server.all_connections)
                log.warning("aborting %d connections that did not close in time", len(stuck))
                for connection in stuck:
                    if connection.transport is not None:
                        connection.transport.abort()
                await asyncio.wait([closed], timeout=self.config.close_grace)
        for task in (self._ticker, self._fanout_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._writer is not None:
            await self._writer.close()
        if self.store is not None:
            self.store.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        self._closed.set()
        log.info("hub stopped")

    async def __aenter__(self) -> Hub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _reload(self) -> None:
        """After a failed commit, make memory match the disk again."""
        assert self.store is not None
        assert self._writer is not None
        room = Room(auto_approve=self.room.auto_approve, max_chars=self.config.max_chars)
        self.store.load_room(room)
        # Writes decided on the old room carry its generation; the writer refuses them.
        room.generation = self._writer.generation
        self.room = room
        self._version += 1
        self._index_duplicates()
        log.error(
            "reloaded %d questions from the database after a failed commit", len(room.questions)
        )

    # --- handshake -----------------------------------------------------------------
    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.partition("?")[0] == "/healthz":
            return connection.respond(200, "ok\n")
        tls = self.config.certfile is not None
        if not is_websocket(request):
            return serve_http(request, tls)
        # A browser learns why it was refused only from a frame: so the handshake of a
        # refused page completes, and _handle sends the error and closes (nothing is read).
        browser = "Origin" in request.headers
        if not origin_allowed(request, tls, self.config.allowed_origins):
            log.info("refused a browser from another site")
            self._handshake_refusals[connection] = (
                p.NOT_ALLOWED,
                "This page is not allowed to connect to this hub (--allow-origin).",
            )
            return None
        # Room is kept beyond the cap for moderators and stage screens: a full room must
        # never lock out the dashboard reconnecting after a blip. Attendees past the cap
        # are refused at hello, stage screens past theirs too; only connections that said
        # hello count here, so sockets that stay silent cannot fill the reserve.
        if len(self._peers) >= self.config.max_connections + RESERVED:
            log.warning("refused a connection: %d open", len(self._peers))
            if browser:
                self._handshake_refusals[connection] = (
                    p.RATE_LIMITED,
                    "The room is full; try again in a minute.",
                )
                return None
            return connection.respond(503, "This Fireside hub is full.\n")
        if len(self._pending) >= max(MIN_PENDING, self.config.max_connections // 10):
            # Cut the connection that has waited longest for its hello: a real client
            # says hello at once, so the oldest silent one is the likeliest squatter.
            oldest = next(iter(self._pending))
            del self._pending[oldest]
            log.warning("cut a connection that did not say hello, to let a new one in")
            oldest.transport.abort()
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        refusal = self._handshake_refusals.pop(ws, None)
        if refusal is not None:
            await self._refuse(ws, *refusal)
            return
        self._pending[ws] = None
        try:
            peer = await self._hello(ws)
        finally:
            self._pending.pop(ws, None)
        if peer is None:
            return
        try:
            async for frame in ws:
                await self._dispatch(peer, frame)
        except ConnectionClosed:
            pass
        finally:
            self._leave(peer)

    async def _refuse(
        self,
        ws: ServerConnection,
        code: str,
        message: str,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        try:
            # A client that does not read would hold a refusal forever.
            async with asyncio.timeout(self.config.close_grace):
                await ws.send(p.encode(p.error(code, message, request_id, retry_after)))
                await ws.close(p.CLOSE_POLICY, message[:120])
        except ConnectionClosed:
            pass
        except TimeoutError:
            ws.transport.abort()

    async def _hello(self, ws: ServerConnection) -> Peer | None:
        try:
            frame = await asyncio.wait_for(ws.recv(), self.config.hello_timeout)
        except TimeoutError:
            await self._refuse(ws, p.BAD_MESSAGE, "Send hello first.")
            return None
        except ConnectionClosed:
            return None
        try:
            message = p.decode_request(frame)
        except ProtocolError as exc:
            await self._refuse(ws, exc.code, exc.message, exc.request_id)
            return None
        request_id = message.get("request_id")
        if message["type"] != "hello":
            await self._refuse(ws, p.BAD_MESSAGE, 'The first frame must be "hello".', request_id)
            return None
        role = message.get("role", p.ATTENDEE)
        client_id = message["client_id"]
        name = message.get("name")
        if role == p.ATTENDEE and not self._has_place(client_id):
            await self._refuse(
                ws,
                p.RATE_LIMITED,
                "The room is full; try again in a minute.",
                request_id,
                retry_after=ROOM_FULL_RETRY,
            )
            return None
        address = _remote(ws)
        if (
            role == p.ATTENDEE
            and client_id not in self._known_clients
            and not self._allow(self._new_clients, address, self.config.new_clients_per_minute)
        ):
            limit = self.config.new_clients_per_minute
            self._notify_limit(
                address,
                "new_clients",
                f"{address} brought {limit} new attendees within a minute; more are refused "
                "for now (--new-clients-per-minute).",
            )
            await self._refuse(
                ws,
                p.RATE_LIMITED,
                "Too many new people from your network; try again in a minute.",
                request_id,
                retry_after=self._new_clients[address].retry_after(),
            )
            return None
        if role == p.STAGE and len(self._stages) >= self.config.max_stages:
            await self._refuse(
                ws,
                p.RATE_LIMITED,
                f"{self.config.max_stages} stage screens are open already.",
                request_id,
                retry_after=ROOM_FULL_RETRY,
            )
            return None
        if role == p.MODERATOR:
            refusal = self._check_token(ws, message.get("token"))
            if refusal == p.RATE_LIMITED:
                await self._refuse(
                    ws,
                    refusal,
                    "Too many wrong tokens; wait a minute.",
                    request_id,
                    retry_after=self._auth_failures[_remote(ws)].retry_after(),
                )
                return None
            if refusal is not None:
                await self._refuse(
                    ws, refusal, "The moderator token is missing or wrong.", request_id
                )
                return None
        if role == p.MODERATOR and isinstance(ws, GuardedConnection):
            ws.budget = None  # the token holder drives the session; never throttle it
        peer = Peer(
            ws=ws,
            role=role,
            client_id=client_id,
            name=clean_name(name) or None if name else None,
            strikes=Bucket(self.config.bad_frames_per_minute, 60.0),
            address=address,
        )
        self._known_clients.add(client_id)
        self._held.pop(client_id, None)
        # Join first, so that the welcome counts this attendee among the people connected.
        self._join(peer)
        welcome = self._welcome_frame(peer).encode("utf-8")
        peer.queued += len(welcome)
        try:
            await ws.send(welcome, text=True)
        except ConnectionClosed:
            self._leave(peer)
            return None
        return peer

    def _allow(self, buckets: dict[str, Bucket], address: str, per_minute: int) -> bool:
        """Spend one of ``address``'s tokens in ``buckets`` (``per_minute`` a minute)."""
        if not self.config.limit_loopback and _is_loopback(address):
            return True
        return buckets.setdefault(address, Bucket(per_minute, 60.0)).take()

    def _notify_limit(self, address: str, limit: str, message: str) -> None:
        """Tell the moderators that an address hit a limit, at most once a minute each."""
        notices = self._limit_notices.setdefault(f"{limit} {address}", Bucket(1, 60.0))
        if not notices.take():
            return
        log.warning("limit %s hit by %s", limit, address)
        self._push(
            self._moderators,
            {"type": "limit", "limit": limit, "address": address, "message": message},
        )

    def _room_clients(self) -> set[str]:
        clients = {q.client_id for q in self.room.questions.values()}
        for voters in self.room.votes.values():
            clients |= voters
        return clients

    def _check_token(self, ws: ServerConnection, token: Any) -> str | None:
        """Return ``None`` for the right token, else the error code to refuse with.

        The right token is always accepted, so attendees sharing an address with the
        moderator (a NAT, a proxy) cannot lock the moderator out by guessing. Wrong tokens
        are counted per address and, past the limit, refused as ``rate_limited``: with a
        generated token (144 random bits) guessing is hopeless anyway; the limit slows the
        guessing of a weak token chosen by hand and keeps the log quiet.
        """
        address = _remote(ws)
        if isinstance(token, str) and hmac.compare_digest(
            token.encode("utf-8", "surrogatepass"), self.token.encode("utf-8", "surrogatepass")
        ):
            return None
        failures = self._auth_failures.setdefault(
            address, Bucket(self.config.auth_failures_per_minute, 60.0)
        )
        if not failures.take():
            log.warning("refused a moderator hello from %s: too many wrong tokens", address)
            return p.RATE_LIMITED
        log.warning("refused a moderator hello from %s: wrong or missing token", address)
        return p.BAD_TOKEN

    def _join(self, peer: Peer) -> None:
        self._peers.add(peer)
        if peer.role == p.MODERATOR:
            self._moderators.add(peer)
        else:
            self._public.add(peer)
            if peer.role == p.STAGE:
                self._stages.add(peer)
        peers = self._by_client.setdefault(peer.client_id, set())
        if peer.role == p.ATTENDEE and not any(x.role == p.ATTENDEE for x in peers):
            self._attendees += 1
            # Record the peak as it happens: a peak between two ticks would be missed.
            self.peak_connected = max(self.peak_connected, self._attendees)
        peers.add(peer)
        log.debug("%s %s joined", peer.role, peer.client_id[:8])

    def _leave(self, peer: Peer) -> None:
        self._peers.discard(peer)
        self._moderators.discard(peer)
        self._public.discard(peer)
        self._stages.discard(peer)
        peers = self._by_client.get(peer.client_id)
        if peers is not None and peer in peers:
            peers.discard(peer)
            if peer.role == p.ATTENDEE and not any(x.role == p.ATTENDEE for x in peers):
                self._attendees -= 1
                # Keep the place for a while: a dropped Wi-Fi comes back to a full room.
                self._held.pop(peer.client_id, None)  # to the end: the newest hold
                self._held[peer.client_id] = time.monotonic()
            if not peers:
                del self._by_client[peer.client_id]

    def _has_place(self, client_id: str) -> bool:
        """Whether an attendee may join: a free place, or the one it held until a moment ago.

        The places of attendees who left within ``place_hold`` seconds are kept for them,
        so the room never goes over ``max_connections`` and a newcomer cannot take the
        place of someone whose connection dropped.
        """
        cutoff = time.monotonic() - self.config.place_hold
        while self._held:
            oldest, since = next(iter(self._held.items()))
            if since > cutoff:
                break
            del self._held[oldest]
        held = len(self._held) - (client_id in self._held)
        return self._attendee_peers() + held < self.config.max_connections

    def _attendee_peers(self) -> int:
        """Open attendee connections (the connection cap counts these)."""
        # Counted from the sets' sizes: every hello asks, so a walk over the room would
        # make a room filling up quadratic.
        return len(self._peers) - len(self._moderators) - len(self._stages)

    @property
    def connected(self) -> int:
        """People connected: distinct attendees with at least one open connection."""
        return self._attendees

    # --- views ---------------------------------------------------------------------
    def public_view(self, question: Question) -> dict[str, Any]:
        """A question as attendees and the stage see it."""
        return {
            "id": question.id,
            "text": question.text,
            "state": question.state,
            "votes": self.room.vote_count(question.id),
            "pinned": question.pinned,
            "topic": question.topic,
            "name": question.name,
            "created_at": question.created_at,
            "segment": question.segment,
            "on_air_at": question.on_air_at,
            "answered_at": question.answered_at,
            "merged_into": question.merged_into,
        }

    def moderator_view(self, question: Question) -> dict[str, Any]:
        """A question with everything the moderator may see."""
        view = self.public_view(question)
        view.update(
            client_id=question.client_id,
            original_text=question.original_text,
            edited=question.text != question.original_text,
            approved_at=question.approved_at,
            on_air_segment=question.on_air_segment,
            suggested_topic=question.suggested_topic,
            suggestion_words=question.suggestion_words,
            duplicate_of=question.duplicate_of,
        )
        return view

    def _welcome_frame(self, peer: Peer) -> str:
        """The encoded welcome. Attendees and stage screens share one encoding of the public
        questions per state version: with hundreds of questions, building and encoding them
        for every arrival was most of a handshake's cost while a room fills."""
        if peer.role == p.MODERATOR:
            return p.encode(self._welcome(peer))
        room = self.room
        cached = self._public_questions
        if cached is None or cached[0] != id(room) or cached[1] != self._version:
            questions = [self.public_view(q) for q in room.questions.values() if q.public]
            # '"questions":[...]', spliced into each welcome's own object below.
            member = p.encode({"questions": questions})[1:-1]
            cached = self._public_questions = (id(room), self._version, member)
        head = p.encode(self._welcome(peer, with_questions=False))
        return f"{head[:-1]},{cached[2]}}}"

    def _welcome(self, peer: Peer, *, with_questions: bool = True) -> dict[str, Any]:
        room = self.room
        questions: list[dict[str, Any]] = []
        mine: list[dict[str, Any]] = []
        my_votes: list[int] = []
        if not with_questions:
            pass  # the caller adds them (``_welcome_frame``)
        elif peer.role == p.MODERATOR:
            questions = [self.moderator_view(q) for q in room.questions.values()]
        else:
            questions = [self.public_view(q) for q in room.questions.values() if q.public]
        if peer.role == p.ATTENDEE:
            mine = [
                self.public_view(q)
                for q in room.questions.values()
                if q.client_id == peer.client_id and q.state != p.REJECTED
            ]
            my_votes = sorted(qid for qid, voters in room.votes.items() if peer.client_id in voters)
        on_air = room.on_air()
        welcome: dict[str, Any] = {
            "type": "welcome",
            "protocol": p.PROTOCOL_VERSION,
            "server": "fireside",
            "role": peer.role,
            "client_id": peer.client_id,
            "name": peer.name,
            "session": self.config.agenda.to_wire(),
            "settings": {"auto_approve": room.auto_approve},
            "limits": {
                "question_chars": self.config.max_chars,
                "questions_per_minute": self.config.questions_per_minute,
                "votes_per_minute": self.config.votes_per_minute,
                "frame_bytes": self.config.max_frame,
            },
            "connected": self.connected,
            "clock": self.clock_model.snapshot(self.session_time.now(), wall=self.clock()),
            "on_air": on_air.id if on_air else None,
            "mine": mine,
            "my_votes": my_votes,
        }
        if with_questions:
            welcome["questions"] = questions
        if peer.role == p.MODERATOR:
            welcome["undo"] = room.undo_summary()
            # A remote dashboard knows only the address it connected with (a tunnel,
            # loopback); the hub knows the one attendees on its network should type.
            welcome["join"] = self.join_command()
            welcome["join_url"] = self.page_url()
        return welcome

    def join_command(self) -> str:
        """The terminal command attendees type to join this hub (see ``fireside.joining``)."""
        tls = self.config.certfile is not None
        return join_command(self.config.host, self.port, tls, self.config.published)

    def page_url(self) -> str:
        """The address of the attendee page, as a phone on the hub's network opens it."""
        return page_url(self.config.host, self.port, self.config.certfile is not None)

    # --- sending -------------------------------------------------------------------
    def _push(self, peers: Iterable[Peer], message: Mapping[str, Any]) -> None:
        """Send one message to many peers without waiting; drop any that stopped reading.

        Encoded once for all of them. A small audience with nothing queued before it is
        written to at once; otherwise the push joins the queue that goes out in slices.
        """
        data = p.encode(message).encode("utf-8")
        targets = list(peers)
        if not self._fanout and len(targets) <= self.config.fanout_slice:
            self._send(targets, data)
            return
        self._fanout.append((targets, data, 0))
        if self._fanout_task is None:
            self._fanout_task = asyncio.get_running_loop().create_task(
                self._drain_fanout(), name="fireside-fanout"
            )

    async def _drain_fanout(self) -> None:
        """Write queued pushes a slice at a time, yielding to the loop between slices."""
        try:
            while self._fanout:
                targets, data, start = self._fanout[0]
                end = start + max(1, self.config.fanout_slice)
                self._send(targets[start:end], data)
                if end < len(targets):
                    self._fanout[0] = (targets, data, end)
                else:
                    self._fanout.popleft()
                # Let acks and reads run between slices; a peer that left in the meantime
                # has a closing transport and is skipped by ``_send``.
                await asyncio.sleep(0)
        finally:
            self._fanout_task = None

    def _send(self, peers: Iterable[Peer], data: bytes) -> None:
        """Write one encoded frame to each peer now; drop any that stopped reading."""
        ready = []
        limit = self.config.write_buffer_limit
        for peer in peers:
            transport = peer.ws.transport
            if transport is None or transport.is_closing():
                continue
            if transport.get_write_buffer_size() > limit:
                log.warning("dropped %s %s: it stopped reading", peer.role, peer.client_id[:8])
                transport.abort()
                continue
            ready.append(peer.ws)
            peer.queued += len(data)
        broadcast(ready, data, text=True)

    def _reply(self, peer: Peer, message: p.Ack | p.Error | p.Pong) -> None:
        """Answer one request of ``peer`` at once, ahead of any fan-out still going out in
        slices (and remember the answer if a resend may ask)."""
        request_id = message["request_id"]
        if request_id is not None and message["type"] != "pong":
            future = peer.answering.get(request_id)
            if future is not None and not future.done():
                future.set_result(message)
        self._send((peer,), p.encode(message).encode("utf-8"))

    # --- topics ----------------------------------------------------------------------
    def _suggest(self, question: Question) -> None:
        """Suggest a topic and look for an earlier question asking the same, on arrival.

        Both are hints for the moderator, stored with the question: a topic the moderator
        sets wins, and a duplicate is only ever merged by the moderator.
        """
        suggestion = self.topics.suggest(question.text, live_segment=question.segment)
        question.suggested_topic = suggestion.topic
        question.suggestion_words = " ".join(suggestion.words) or None
        question.duplicate_of = self.duplicates.find(question.text)
        self.duplicates.add(question.id, question.text)

    def _hint(self, question_id: int) -> None:
        """After the ack: suggest, push the hint to moderators, store it with the next commit."""
        question = self.room.questions.get(question_id)
        if question is None:
            return
        self._suggest(question)
        # Queued in the step that decided it, so the write carries this room's generation.
        done = self._queue([question_update(question)])
        view = self.moderator_view(question)
        self._push(self._moderators, {"type": "question", "question": view})
        asyncio.ensure_future(self._store_hint(question_id, done))

    async def _store_hint(self, question_id: int, done: asyncio.Future[None]) -> None:
        """Wait for the hint's write; a lost hint is logged, never an attendee's error."""
        try:
            await self._committed(done)
        except RoomError:
            log.warning("could not store the hint of #%d", question_id)

    def _learn(self, change: Change) -> None:
        """Turn the moderator's topic and merge actions into examples for later hints."""
        action = change.action
        if action is None or action.undone or action.kind not in ("topic", "merge"):
            return
        question = self.room.questions.get(action.question_id)
        if question is None:
            return
        if action.kind == "topic" and question.topic:
            self.topics.learn(question.text, question.topic)
        elif action.kind == "merge" and question.merged_into is not None:
            self.duplicates.learn_merge(question.text, question.merged_into)

    def _index_duplicates(self) -> None:
        self.duplicates = DuplicateIndex()
        for question in sorted(self.room.questions.values(), key=lambda q: q.id):
            if question.state != p.REJECTED and question.merged_into is None:
                self.duplicates.add(question.id, question.text)

    def _reindex(self, change: Change) -> None:
        """Keep the duplicate index to questions that are live, with their current text."""
        for question in change.questions:
            self.duplicates.remove(question.id)
            if question.state != p.REJECTED and question.merged_into is None:
                self.duplicates.add(question.id, question.text)

    def _announce(self, change: Change) -> None:
        """Tell every audience what a committed change means for it."""
        if change.action is not None:
            self._reindex(change)
        on_air_before = {q.id for q in change.previous.values() if q.state == p.ON_AIR}
        on_air_now = {q.id for q in change.questions if q.state == p.ON_AIR}
        for question in change.questions:
            before = change.previous.get(question.id)
            self._push(
                self._moderators, {"type": "question", "question": self.moderator_view(question)}
            )
            if question.public:
                self._push(
                    self._public, {"type": "question", "question": self.public_view(question)}
                )
            elif before is not None and before.public:
                self._push(
                    self._public,
                    {
                        "type": "question_removed",
                        "id": question.id,
                        "merged_into": question.merged_into,
                    },
                )
            else:
                owners = [
                    x for x in self._by_client.get(question.client_id, ()) if x.role == p.ATTENDEE
                ]
                if question.state != p.REJECTED:
                    self._push(owners, {"type": "question", "question": self.public_view(question)})
                elif before is not None:
                    self._push(
                        owners, {"type": "question_removed", "id": question.id, "merged_into": None}
                    )
        if on_air_before != on_air_now:
            current = self.room.on_air()
            self._push(
                self._moderators,
                {"type": "on_air", "question": self.moderator_view(current) if current else None},
            )
            self._push(
                self._public,
                {"type": "on_air", "question": self.public_view(current) if current else None},
            )
        if change.action is not None:
            self._push(self._moderators, {"type": "undo", "next": self.room.undo_summary()})
        self._dirty_votes |= change.vote_counts
        if (
            change.vote_counts
            or any(q.public for q in change.questions)
            or any(q.public for q in change.previous.values())
        ):
            # Only what attendees can see invalidates their shared welcome: a stream of
            # pending asks (moderated rooms) keeps it.
            self._version += 1

    async def _tick(self) -> None:
        """Push coalesced vote counts and presence at most every ``push_interval``."""
        while True:
            await asyncio.sleep(self.config.push_interval)
            try:
                self.check_database()
                self.flush()
                self.drop_stalled()
                self._gc.observe(len(self._peers))
            except Exception:  # pragma: no cover - a bug here must not stop the pushes
                log.exception("push failed")

    def check_database(self) -> bool:
        """Whether the database file is still there; once it is not, stop saving for good.

        Checked every tick and before every request: a deleted file would otherwise take
        acknowledged writes that no restart can read back.
        """
        if not self._database_gone and self.store is not None and self.store.gone():
            self._database_gone = True
            log.error(
                "the database file %s was removed or replaced while the hub ran; "
                "nothing more is saved or acknowledged until the hub is restarted",
                self.config.db_path,
            )
        return not self._database_gone

    def drop_stalled(self, now: float | None = None) -> None:
        """Abort connections that stopped reading, before their backlog eats the memory.

        The keepalive ping cannot find them: it waits behind the same full buffer. A
        connection goes when asyncio's buffer for it passes ``write_buffer_limit``, or when
        its backlog (asyncio's buffer plus what the kernel holds unacknowledged) stays
        above ``STALL_BYTES`` for ``stall_timeout`` seconds without a single byte more
        being delivered. A slow reader that makes progress stays. A dropped client that
        is alive reconnects and gets everything again in its welcome.
        """
        now = time.monotonic() if now is None else now
        for peer in list(self._peers):
            if peer.backlog_since is None and peer.queued - peer.delivered_mark <= STALL_BYTES:
                continue  # not enough sent since its last progress to be over the line
            transport = peer.ws.transport
            if transport is None or transport.is_closing():
                continue
            buffered = transport.get_write_buffer_size()
            backlog = buffered + _kernel_backlog(transport)
            delivered = peer.queued - backlog
            if backlog <= STALL_BYTES or delivered > peer.delivered_mark:
                peer.backlog_since, peer.delivered_mark = None, delivered
                continue
            if peer.backlog_since is None:
                peer.backlog_since = now
                log.debug(
                    "%s %s stopped making progress with %d bytes waiting",
                    peer.role,
                    peer.client_id[:8],
                    backlog,
                )
            if (
                buffered > self.config.write_buffer_limit
                or now - peer.backlog_since > self.config.stall_timeout
            ):
                log.warning(
                    "dropped %s %s: not reading (%d bytes waiting)",
                    peer.role,
                    peer.client_id[:8],
                    backlog,
                )
                transport.abort()

    def flush(self) -> None:
        """Send pending vote counts and the connected count, if they changed."""
        if self._dirty_votes:
            dirty, self._dirty_votes = self._dirty_votes, set()
            counts = {qid: self.room.vote_count(qid) for qid in dirty if qid in self.room.questions}
            if counts:
                self._push(self._moderators, {"type": "votes", "counts": _keyed(counts)})
                public = {qid: n for qid, n in counts.items() if self.room.questions[qid].public}
                if public:
                    self._push(self._public, {"type": "votes", "counts": _keyed(public)})
        self._push_presence()
        if self.peak_connected > self._stored_peak and self._writer is not None:
            if not self.check_database():
                return
            peak = self._stored_peak = self.peak_connected
            # Best effort: a failed write (disk full) is logged once and the peak is stored
            # again when it next grows.
            stored = self._writer.submit(
                [meta_write("peak_connected", str(peak))], self.room.generation
            )
            stored.add_done_callback(lambda task: _report_peak(task, peak))

    def _push_presence(self) -> None:
        """The connected count: to moderators and stage screens on every tick it changed,
        to attendees at most every ``attendee_presence_interval`` (a full room arriving
        would otherwise get a push to everyone four times a second)."""
        connected = self.connected
        presence = {"type": "presence", "connected": connected}
        if connected != self._last_presence:
            self._last_presence = connected
            self._push([*self._moderators, *self._stages], presence)
        now = time.monotonic()
        if (
            connected != self._last_attendee_presence
            and now - self._attendee_presence_at >= self.config.attendee_presence_interval
        ):
            self._last_attendee_presence, self._attendee_presence_at = connected, now
            self._push([x for x in self._public if x.role == p.ATTENDEE], presence)

    # --- requests ------------------------------------------------------------------
    async def _dispatch(self, peer: Peer, frame: Any) -> None:
        request_id = None
        try:
            message = p.decode_request(frame)
            kind, request_id = message["type"], message.get("request_id")
            if kind == "hello":
                raise RoomError(p.NOT_ALLOWED, "This connection already said hello.")
            if kind != "ping" and not self.check_database():
                # Refused before deciding anything, so that memory never holds a decision
                # that a resend would then find and acknowledge as a duplicate.
                raise RoomError(p.INTERNAL, DATABASE_GONE)
            if kind in p.QUESTION_ACTIONS or kind in p.MODERATOR_REQUESTS:
                if peer.role != p.MODERATOR:
                    raise RoomError(p.NOT_ALLOWED, "Only the moderator can do that.")
                handler = self._handlers.get(kind, self._on_action)
                if request_id is not None and kind != "export":
                    await self._once(peer, request_id, handler, message)
                    return
            elif kind in p.ATTENDEE_REQUESTS and peer.role == p.STAGE:
                raise RoomError(p.NOT_ALLOWED, "The stage view is read-only.")
            else:
                handler = self._handlers[kind]
            await handler(peer, message, request_id)
        except ProtocolError as exc:
            self._reply(peer, p.error(exc.code, exc.message, exc.request_id or request_id))
            if not peer.strikes.take():
                log.warning("closing %s: too many bad frames", peer.client_id[:8])
                await peer.ws.close(p.CLOSE_POLICY, "Too many bad frames.")
        except RoomError as exc:
            self._reply(peer, p.error(exc.code, exc.message, request_id, exc.retry_after))

    async def _once(
        self, peer: Peer, request_id: str, handler: Handler, message: p.Request
    ) -> None:
        """Run a moderator request once per (client_id, request_id); a repeat gets its answer.

        A dashboard that resends after a reconnect must not pin twice (a toggle) or undo
        twice. The last ``ANSWERS_KEPT`` answers per moderator are kept; an ``internal``
        failure is forgotten, so that sending again retries.
        """
        answers = self._answers.setdefault(peer.client_id, {})
        first = answers.get(request_id)
        if first is not None:
            answer = dict(await asyncio.shield(first))
            if answer["type"] == "ack":
                answer["duplicate"] = True
            self._reply(peer, answer)  # type: ignore[arg-type]
            return
        future: asyncio.Future[p.Ack | p.Error] = asyncio.get_running_loop().create_future()
        answers[request_id] = future
        while len(answers) > ANSWERS_KEPT:
            del answers[next(iter(answers))]
        peer.answering[request_id] = future
        try:
            await handler(peer, message, request_id)
        except RoomError as exc:
            self._reply(peer, p.error(exc.code, exc.message, request_id, exc.retry_after))
        finally:
            peer.answering.pop(request_id, None)
            if not future.done() or (
                future.result()["type"] == "error" and future.result().get("code") == p.INTERNAL
            ):
                if answers.get(request_id) is future:
                    del answers[request_id]
                if not future.done():
                    future.cancel()

    def _queue(self, writes: list[Write]) -> asyncio.Future[None]:
        """Queue writes decided on the current room; call it in the step that decided them.

        No ``await`` may come between a decision and this call: a failed commit in between
        would reload the room, and the write would carry a decision the disk never saw.
        The writer refuses any write stamped with an older room's generation.
        """
        assert self._writer is not None
        return self._writer.submit(writes, self.room.generation)

    @staticmethod
    async def _committed(future: asyncio.Future[None]) -> None:
        """Wait for a queued write; a failed commit becomes an ``internal`` error."""
        try:
            # Shield: a client that disconnects must not cancel a commit others wait on.
            await asyncio.shield(future)
        except Exception:
            raise RoomError(p.INTERNAL, "The hub could not save that; please try again.") from None

    @staticmethod
    def _change_writes(change: Change, now: float) -> list[Write]:
        writes = [
            question_write(q) if q.id in change.created else question_update(q)
            for q in change.questions
        ]
        writes += [vote_write(qid, cid, up, now) for qid, cid, up in change.votes]
        if change.action is not None:
            writes.append(
                action_undone_write(change.action) if change.undo else action_write(change.action)
            )
        return writes

    async def _on_ping(self, peer: Peer, message: p.Ping, request_id: str | None) -> None:
        self._reply(peer, {"type": "pong", "request_id": request_id})

    async def _on_ask(self, peer: Peer, message: p.Ask, request_id: str) -> None:
        key = (peer.client_id, request_id)
        existing = self.room.requests.get(key)
        if existing is None:
            bucket = self._asks.setdefault(
                peer.client_id, Bucket(self.config.questions_per_minute, 60.0)
            )
            self.room.check_text(message["text"])
            if not self._allow(
                self._address_asks, peer.address, self.config.questions_per_address_per_minute
            ):
                limit = self.config.questions_per_address_per_minute
                self._notify_limit(
                    peer.address,
                    "questions",
                    f"{peer.address} asked {limit} questions within a minute; more are refused "
                    "for now (--questions-per-address-per-minute).",
                )
                raise RoomError(
                    p.RATE_LIMITED,
                    "Too many questions from your network; try again in a minute.",
                    retry_after=self._address_asks[peer.address].retry_after(),
                )
            if not bucket.take():
                raise RoomError(
                    p.RATE_LIMITED,
                    f"You can ask {plural(self.config.questions_per_minute, 'question')} a minute; "
                    f"try again in {bucket.retry_after():.0f} s.",
                    retry_after=bucket.retry_after(),
                )
            now = self.clock()
            question, change = self.room.ask(
                peer.client_id,
                request_id,
                message["text"],
                now=now,
                name=peer.name,
                segment=self.current_segment(),
            )
            assert change is not None
            done = self._queue(self._change_writes(change, now))
            self._inflight[key] = done
            try:
                await self._committed(done)
            finally:
                # Only our own entry: after a reload the same key may be asked again.
                if self._inflight.get(key) is done:
                    del self._inflight[key]
            log.info("question #%d from %s", question.id, peer.client_id[:8])
            self._reply(
                peer,
                {
                    "type": "ack",
                    "request_id": request_id,
                    "question_id": question.id,
                    "state": question.state,
                },
            )
            self._announce(change)
            # The hints are for the moderator: the attendee's ack never waits for them.
            asyncio.get_running_loop().call_soon(self._hint, question.id)
            return
        if clean_text(message["text"]) != self.room.questions[existing].original_text:
            raise RoomError(
                p.CONFLICT,
                f"request_id {request_id} was already used for another question; "
                "use a new request_id for a new question.",
            )
        pending = self._inflight.get(key)
        if pending is not None:
            await self._committed(pending)
        if self.room.requests.get(key) != existing:  # pragma: no cover - reloaded meanwhile
            raise RoomError(p.INTERNAL, "The hub could not save that; please try again.")
        # No state: what became of the question is what `mine` and the pushes say, so a
        # resend never tells an asker of a rejection that `mine` hides.
        self._reply(
            peer,
            {"type": "ack", "request_id": request_id, "question_id": existing, "duplicate": True},
        )

    async def _on_vote(self, peer: Peer, message: p.Vote, request_id: str | None) -> None:
        bucket = self._votes.setdefault(peer.client_id, Bucket(self.config.votes_per_minute, 60.0))
        if not bucket.take():
            raise RoomError(
                p.RATE_LIMITED,
                f"You can vote {plural(self.config.votes_per_minute, 'time')} a minute; "
                f"try again in {bucket.retry_after():.0f} s.",
                retry_after=bucket.retry_after(),
            )
        up = message.get("up", True)
        question, change = self.room.vote(
            peer.client_id, message["question_id"], up, moderator=peer.role == p.MODERATOR
        )
        key = (question.id, peer.client_id)
        if change.votes:
            done = self._queue(self._change_writes(change, self.clock()))
            self._vote_writes[key] = done
            try:
                await self._committed(done)
            finally:
                if self._vote_writes.get(key) is done:
                    del self._vote_writes[key]
        elif key in self._vote_writes:
            # Nothing changed because an earlier vote (another window of the same person)
            # already did it: acknowledge only once that vote is on disk, or fail with it.
            await self._committed(self._vote_writes[key])
        self._reply(
            peer,
            {
                "type": "ack",
                "request_id": request_id,
                "question_id": question.id,
                "up": up,
                "votes": self.room.vote_count(question.id),
                # False for a repeated vote (or taking back one never given), so the
                # client can say "you already voted" rather than "voted".
                "changed": bool(change.votes),
            },
        )
        self._announce(change)

    async def _on_action(
        self, peer: Peer, message: p.QuestionAction, request_id: str | None
    ) -> None:
        now = self.clock()
        change = self.room.act(message["type"], message, now=now, segment=self.current_segment())
        await self._committed(self._queue(self._change_writes(change, now)))
        assert change.action is not None
        log.info("moderator: %s #%d", change.action.kind, change.action.question_id)
        self._reply(
            peer,
            {
                "type": "ack",
                "request_id": request_id,
                "question_id": change.action.question_id,
                "action_id": change.action.id,
            },
        )
        self._announce(change)
        self._learn(change)

    async def _on_undo(self, peer: Peer, message: p.Undo, request_id: str | None) -> None:
        change = self.room.undo()
        await self._committed(self._queue(self._change_writes(change, self.clock())))
        assert change.action is not None
        log.info("moderator: undo %s #%d", change.action.kind, change.action.question_id)
        self._reply(
            peer,
            {
                "type": "ack",
                "request_id": request_id,
                "question_id": change.action.question_id,
                "undone": change.action.summary(),
            },
        )
        self._announce(change)

    async def _on_settings(
        self, peer: Peer, message: p.SettingsRequest, request_id: str | None
    ) -> None:
        auto_approve = message["auto_approve"]
        await self._committed(self._queue([meta_write("auto_approve", json.dumps(auto_approve))]))
        self.room.auto_approve = auto_approve
        self._reply(peer, {"type": "ack", "request_id": request_id})
        self._push(self._peers, {"type": "settings", "auto_approve": auto_approve})

    async def _on_clock(self, peer: Peer, message: p.ClockRequest, request_id: str | None) -> None:
        action, seconds = message["action"], message.get("seconds", 0)
        now, wall = self.session_time.now(), self.clock()
        before = self.clock_model
        trial = Clock.replay(before.agenda, list(before.events))
        try:
            event = trial.command(action, now, seconds, wall=wall)
        except ClockError as exc:
            raise RoomError(p.INVALID_STATE, str(exc)) from None
        await self._committed(
            self._queue([event_write(event.at, event.stored_kind, event.to_data())])
        )
        before.apply(event)
        log.info("moderator: clock %s", event.kind)
        snapshot = before.snapshot(now, wall=wall)
        self._reply(peer, {"type": "ack", "request_id": request_id, "clock": event.kind})
        self._push(self._peers, snapshot)

    async def _on_export(self, peer: Peer, message: p.Export, request_id: str | None) -> None:
        """The session's Markdown record, rendered from the database off the event loop."""
        from .export import render_export

        names, pending = message.get("names", False), message.get("include_pending", False)
        markdown = await asyncio.get_running_loop().run_in_executor(
            None,
            lambda: render_export(self.config.db_path, names=names, include_pending=pending),
        )
        self._reply(
            peer,
            {
                "type": "ack",
                "request_id": request_id,
                "markdown": markdown,
                "db": str(self.config.db_path),
            },
        )

    def current_segment(self) -> str | None:
        """Id of the agenda segment running now (``None`` before the start and after)."""
        return self.clock_model.current_segment_id()


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _remote(ws: ServerConnection) -> str:
    """The address a connection came from, as the per-address limits count it."""
    return str(ws.remote_address[0]) if ws.remote_address else "?"


def _report_peak(task: asyncio.Future[None], peak: int) -> None:
    """Retrieve the outcome of storing the peak, so a failure is one plain warning."""
    if not task.cancelled() and task.exception() is not None:
        log.warning(
            "could not store the peak of %d people connected (stored when it next grows): %s",
            peak,
            task.exception(),
        )


def _keyed(counts: dict[int, int]) -> dict[str, int]:
    return {str(qid): n for qid, n in sorted(counts.items())}
