"""The hub's wiring: the websocket server, the room, the store and the writer; its life
cycle, connections and periodic pushes. The request handlers are ``requests``.

Flow of every request: decode, check the role, decide in the ``Room`` (pure rules), commit
through the single ``Writer``, then acknowledge and announce. Nothing is acknowledged or
shown to anyone before it is on disk. Who hears what is ``audiences``; sending is
``fanout``; the door is ``handshake``.
"""

# About 400 lines: the life cycle, connections and periodic pushes of one hub share its
# server, store and registry.

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from websockets.asyncio.server import Server, ServerConnection
from websockets.exceptions import ConnectionClosed

from fireside_ask import protocol as p
from fireside_ask.protocol import ProtocolError
from fireside_ask.text import clean_name

from ..admission import GuardedConnection
from ..clock import Clock, SessionClock
from ..dblock import DatabaseLock
from ..fdlimit import ensure_open_files
from ..gcpolicy import GcFreezer
from ..joining import join_command, page_url
from ..limits import Bucket
from ..room import Change, Question, Room
from ..store import Store, meta_write
from ..writer import Writer
from .audiences import MODERATORS, Audience, Owner, Views, announce, seen_by_attendees
from .audiences import vote_counts as vote_messages
from .config import RESERVED, HubConfig
from .fanout import Fanout
from .handshake import Door, Refusal, forget_handshake, remote
from .hints import Hints
from .keepalive import Keepalive
from .listen import bind, resolve_settings
from .peers import Peer, Registry
from .requests import Requests
from .welcome import Welcomes

log = logging.getLogger("fireside.hub")


class Hub(Requests):
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
        self.hints = Hints(config.agenda)
        self.token_generated = False
        """Whether the token came from the database or was just made (so it is printed)."""
        self._writer: Writer | None = None
        self._lock: DatabaseLock | None = None
        self._server: Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self.registry = Registry(config.max_connections, config.place_hold)
        self.fanout = Fanout(
            config.fanout_slice,
            config.write_buffer_limit,
            config.stall_timeout,
            config.fanout_budget,
        )
        self.keepalive = Keepalive(config.ping_interval, config.push_interval)
        self.door = Door(config, self.registry, lambda m: self._push(self.registry.moderators, m))
        self.welcomes = Welcomes(config, self._live, self._join_details)
        self._init_requests()
        self._database_gone = False
        self._dirty_votes: set[int] = set()
        self._last_presence = -1
        self._last_attendee_presence = -1
        self._attendee_presence_at = -float("inf")
        self._gc = GcFreezer(config.gc_freeze_step)
        self._stored_peak = 0
        self._closed = asyncio.Event()
        self._switch_interval: float | None = None
        """The process's thread switch interval before this hub set its own."""

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
        self._server = await bind(self.config, self._handle, self.door.screen)
        try:
            self._lock = DatabaseLock.acquire(self.config.db_path)
            self.store = Store(self.config.db_path)
            self.store.load_room(self.room)
            self.hints.index(self.room)
            self.door.known_clients |= self._room_clients()
            self.clock_model = Clock.replay(self.config.agenda, self.store.clock_events())
            self.session_time.resume(self.clock_model)
            settings = resolve_settings(self.config, self.store, self.room)
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
        self.door.token, self.token_generated = settings.token, settings.token_generated
        self.registry.peak = self._stored_peak = settings.peak_connected
        if self.config.switch_interval > 0:
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(self.config.switch_interval)
        self._writer = Writer(self.store, on_failure=self._reload)
        self._writer.start()
        await self._server.start_serving()
        self._ticker = asyncio.create_task(self._tick(), name="fireside-ticker")
        log.info("hub listening on port %d with %d questions", self.port, len(self.room.questions))

    @property
    def token(self) -> str:
        """The moderator token (never logged)."""
        return self.door.token

    @property
    def peak_connected(self) -> int:
        """The most people connected at once in this session."""
        return self.registry.peak

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
        for task in (self._ticker, self.fanout.task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self.hint_worker.finish()  # every question asked leaves with its hints stored
        if self._writer is not None:
            await self._writer.close()
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None
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
        self.welcomes.version += 1
        self.hints.index(room)
        log.error(
            "reloaded %d questions from the database after a failed commit", len(room.questions)
        )

    # --- connections ---------------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        forget_handshake(ws)  # screened already: its headers only cost memory from here on
        refusal = self.door.refusals.pop(ws, None)
        if refusal is not None:
            await self._refuse(ws, refusal)
            return
        self.door.pending[ws] = None
        try:
            peer = await self._hello(ws)
        finally:
            self.door.pending.pop(ws, None)
        if peer is None:
            return
        try:
            # recv() in a loop, not ``async for``: the iterator is an async generator
            # kept suspended for the connection's life, about 500 bytes each (issue 17).
            while True:
                await self._dispatch(peer, await ws.recv())
        except ConnectionClosed:
            pass
        finally:
            self._leave(peer)

    def _leave(self, peer: Peer) -> None:
        self.registry.leave(peer)
        self.keepalive.remove(peer)

    async def _refuse(
        self, ws: ServerConnection, refusal: Refusal, request_id: str | None = None
    ) -> None:
        message = refusal.message
        frame = p.error(refusal.code, message, request_id, refusal.retry_after)
        try:
            # A client that does not read would hold a refusal forever.
            async with asyncio.timeout(self.config.close_grace):
                await ws.send(p.encode(frame))
                await ws.close(p.CLOSE_POLICY, message[:120])
        except ConnectionClosed:
            pass
        except TimeoutError:
            ws.transport.abort()

    async def _hello(self, ws: ServerConnection) -> Peer | None:
        try:
            frame = await asyncio.wait_for(ws.recv(), self.config.hello_timeout)
        except TimeoutError:
            await self._refuse(ws, Refusal(p.BAD_MESSAGE, "Send hello first."))
            return None
        except ConnectionClosed:
            return None
        try:
            message = p.decode_request(frame)
        except ProtocolError as exc:
            await self._refuse(ws, Refusal(exc.code, exc.message), exc.request_id)
            return None
        request_id = message.get("request_id")
        if message["type"] != "hello":
            first = Refusal(p.BAD_MESSAGE, 'The first frame must be "hello".')
            await self._refuse(ws, first, request_id)
            return None
        address = remote(ws)
        refusal = self.door.admit(message, address)
        if refusal is not None:
            await self._refuse(ws, refusal, request_id)
            return None
        role, name = message.get("role", p.ATTENDEE), message.get("name")
        if role == p.MODERATOR and isinstance(ws, GuardedConnection):
            ws.budget = None  # the token holder drives the session; never throttle it
        peer = Peer(
            ws=ws,
            role=role,
            client_id=message["client_id"],
            name=clean_name(name) or None if name else None,
            strikes=Bucket(self.config.bad_frames_per_minute, 60.0),
            address=address,
        )
        self.door.known_clients.add(peer.client_id)
        # Join first, so that the welcome counts this attendee among the people connected.
        self.registry.join(peer)
        self.keepalive.add(peer)
        welcome = self.welcomes.frame(peer, self.room).encode("utf-8")
        self.fanout.count(peer, len(welcome))
        try:
            await ws.send(welcome, text=True)
        except ConnectionClosed:
            self._leave(peer)
            return None
        return peer

    def _room_clients(self) -> set[str]:
        clients = {q.client_id for q in self.room.questions.values()}
        for voters in self.room.votes.values():
            clients |= voters
        return clients

    @property
    def connected(self) -> int:
        """People connected: distinct attendees with at least one open connection."""
        return self.registry.attendees

    def _live(self) -> tuple[int, dict[str, Any]]:
        """People connected and the clock now, for a welcome."""
        return self.connected, self.clock_model.snapshot(self.session_time.now(), wall=self.clock())

    def _join_details(self) -> tuple[str, str]:
        return self.join_command(), self.page_url()

    def public_view(self, question: Question) -> dict[str, Any]:
        """A question as attendees and the stage see it."""
        return Views(self.room).public(question)

    def moderator_view(self, question: Question) -> dict[str, Any]:
        """A question with everything the moderator may see."""
        return Views(self.room).moderator(question)

    def join_command(self) -> str:
        """The terminal command attendees type to join this hub (see ``fireside.joining``)."""
        tls = self.config.certfile is not None
        return join_command(self.config.host, self.port, tls, self.config.published)

    def page_url(self) -> str:
        """The address of the attendee page, as a phone on the hub's network opens it."""
        return page_url(self.config.host, self.port, self.config.certfile is not None)

    # --- sending -------------------------------------------------------------------
    def _push(self, peers: Iterable[Peer], message: Mapping[str, Any]) -> None:
        self.fanout.push(peers, message)

    def _reply(self, peer: Peer, message: p.Ack | p.Error | p.Pong) -> None:
        self.fanout.reply(peer, message)

    def _audience(self, audience: Audience) -> Iterable[Peer]:
        """The open connections of an audience."""
        if isinstance(audience, Owner):
            return self.registry.owners(audience.client_id)
        return self.registry.moderators if audience == MODERATORS else self.registry.public

    def _announce(self, change: Change) -> None:
        """Tell every audience what a committed change means for it."""
        if change.action is not None:
            self.hints.reindex(change)
        for audience, message in announce(change, Views(self.room)):
            self._push(self._audience(audience), message)
        self._dirty_votes |= change.vote_counts
        if seen_by_attendees(change):
            # Only what attendees can see invalidates their shared welcome: a stream of
            # pending asks (moderated rooms) keeps it.
            self.welcomes.version += 1

    async def _tick(self) -> None:
        """Push coalesced vote counts and presence at most every ``push_interval``, and ping
        the keepalive rota's next slice of the room."""
        while True:
            await asyncio.sleep(self.config.push_interval)
            try:
                self.check_database()
                self.flush()
                self.drop_stalled()
                self._gc.observe(len(self.registry.peers))
                await self.keepalive.beat()
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
        """Abort connections that stopped reading (see ``Fanout.drop_stalled``)."""
        self.fanout.drop_stalled(self.registry.peers, now)

    def flush(self) -> None:
        """Send pending vote counts and the connected count, if they changed."""
        if self._dirty_votes:
            dirty, self._dirty_votes = self._dirty_votes, set()
            for audience, message in vote_messages(self.room, dirty):
                self._push(self._audience(audience), message)
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
            self._push([*self.registry.moderators, *self.registry.stages], presence)
        now = time.monotonic()
        if (
            connected != self._last_attendee_presence
            and now - self._attendee_presence_at >= self.config.attendee_presence_interval
        ):
            self._last_attendee_presence, self._attendee_presence_at = connected, now
            self._push(self.registry.attendee_connections(), presence)

    def current_segment(self) -> str | None:
        """Id of the agenda segment running now (``None`` before the start and after)."""
        return self.clock_model.current_segment_id()


def _report_peak(task: asyncio.Future[None], peak: int) -> None:
    """Retrieve the outcome of storing the peak, so a failure is one plain warning."""
    if not task.cancelled() and task.exception() is not None:
        log.warning(
            "could not store the peak of %d people connected (stored when it next grows): %s",
            peak,
            task.exception(),
        )
