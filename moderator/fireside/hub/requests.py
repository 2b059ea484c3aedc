"""The hub's request handlers: decide in the ``Room``, commit, acknowledge, announce.

``Requests`` is a mixin of ``Hub``: the handlers share one hub's room, writer and fan-out,
which ``server`` wires up. Each request is decoded and its role checked in ``_dispatch``; a
moderator request runs once per request id (``_once``); nothing is acknowledged before the
writer has it on disk.
"""

# Over 400 lines: one handler per request kind, each under 60 lines, sharing one dispatch.

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from fireside_ask import protocol as p
from fireside_ask.protocol import ProtocolError
from fireside_ask.text import clean_text, plural

from ..clock import Clock, ClockError, SessionClock
from ..limits import Bucket
from ..room import Change, Question, Room, RoomError
from ..store import (
    Write,
    action_undone_write,
    action_write,
    event_write,
    meta_write,
    question_update,
    question_write,
    vote_write,
)
from .config import ANSWERS_KEPT
from .hints import HintSteps, HintWorker

if TYPE_CHECKING:
    from ..writer import Writer
    from .config import HubConfig
    from .fanout import Fanout
    from .handshake import Door
    from .hints import Hints
    from .peers import Peer, Registry

log = logging.getLogger("fireside.hub")

DATABASE_GONE = (
    "The hub's database file is gone, so nothing more can be saved; "
    "the moderator must restart the hub."
)

Handler = Callable[["Peer", Any, Any], Awaitable[None]]
"""Handles one decoded request (its own message type) of a peer."""


class Requests:
    """The request handlers of ``Hub``, and the per-client memory they keep."""

    if TYPE_CHECKING:
        # What the handlers use of the hub, which ``Hub`` sets up and defines.
        config: HubConfig
        clock: Callable[[], float]
        session_time: SessionClock
        room: Room
        clock_model: Clock
        hints: Hints
        door: Door
        registry: Registry
        fanout: Fanout
        _writer: Writer | None

        def _push(self, peers: Iterable[Peer], message: Mapping[str, Any]) -> None: ...
        def _reply(self, peer: Peer, message: p.Ack | p.Error | p.Pong) -> None: ...
        def _announce(self, change: Change) -> None: ...
        def check_database(self) -> bool: ...
        def current_segment(self) -> str | None: ...
        def moderator_view(self, question: Question) -> dict[str, Any]: ...

    def _init_requests(self) -> None:
        """Start with no rate budgets spent, no answers kept and no commits in flight."""
        self._asks: dict[str, Bucket] = {}
        self._votes: dict[str, Bucket] = {}
        self._address_asks: dict[str, Bucket] = {}
        """Per address: questions it may still ask this minute."""
        self._answers: dict[str, dict[str, asyncio.Future[p.Ack | p.Error]]] = {}
        """Per moderator client id, the answers to its latest requests by request_id, so
        that a resend (a dashboard after a reconnect) gets the first answer and acts once."""
        self._inflight: dict[tuple[str, str], asyncio.Future[None]] = {}
        """Commits of asks not yet on disk, by (client_id, request_id): a resend waits."""
        self._vote_writes: dict[tuple[int, str], asyncio.Future[None]] = {}
        """Vote commits in flight per (question, client): a repeat waits for them."""
        self._busy = 0
        """Requests being handled now (decoding, deciding, or waiting for their commit)."""
        self._quiet = asyncio.Event()
        """Set while no request is being handled: the hint worker's turn."""
        self._quiet.set()
        self.hint_worker = HintWorker(
            self._hint,
            self._store_hints,
            self._quiet,
            lambda: self.fanout.task is not None,
            self.config.hint_patience,
        )
        self._handlers: dict[str, Handler] = {
            "ping": self._on_ping,
            "ask": self._on_ask,
            "vote": self._on_vote,
            "undo": self._on_undo,
            "settings": self._on_settings,
            "clock": self._on_clock,
            "export": self._on_export,
        }

    def _hint(self, question_id: int) -> HintSteps:
        """After the ack: the question's hint, pushed to the moderators when computed."""
        return self.hints.steps(self.room, question_id, self._publish_hint)

    def _publish_hint(self, question: Question) -> None:
        view = self.moderator_view(question)
        self._push(self.registry.moderators, {"type": "question", "question": view})

    def _store_hints(self, writes: list[Write], generation: int) -> None:
        """Queue computed hints' writes; a lost hint is logged, never an attendee's error."""
        assert self._writer is not None
        done = self._writer.submit(writes, generation)
        done.add_done_callback(functools.partial(_report_hints, len(writes)))

    async def _dispatch(self, peer: Peer, frame: Any) -> None:
        """Handle one frame of a peer; meanwhile the hint worker waits (see ``HintWorker``)."""
        self._busy += 1
        self._quiet.clear()
        try:
            await self._handle_request(peer, frame)
        finally:
            self._busy -= 1
            if not self._busy:
                self._quiet.set()

    async def _handle_request(self, peer: Peer, frame: Any) -> None:
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

    async def _tracked(
        self, table: dict[Any, asyncio.Future[None]], key: Any, writes: list[Write]
    ) -> None:
        """Queue writes and wait for them, listed under ``key`` meanwhile so a repeat waits."""
        done = self._queue(writes)
        table[key] = done
        try:
            await self._committed(done)
        finally:
            # Only our own entry: after a reload the same key may be asked again.
            if table.get(key) is done:
                del table[key]

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
            self.room.check_text(message["text"])
            self._spend_address_ask(peer.address)
            _spend(self._asks, peer.client_id, self.config.questions_per_minute, "ask", "question")
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
            await self._tracked(self._inflight, key, self._change_writes(change, now))
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
            self.hints.waiting.add(question.id)
            self.hint_worker.add(question.id)
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

    def _spend_address_ask(self, address: str) -> None:
        """Take one question from the address's budget for the minute, or refuse it."""
        limit = self.config.questions_per_address_per_minute
        if not self.door.allow(self._address_asks, address, limit):
            self.door.limit_hit(
                address,
                "questions",
                f"{address} asked {limit} questions within a minute; more are refused "
                "for now (--questions-per-address-per-minute).",
            )
            raise RoomError(
                p.RATE_LIMITED,
                "Too many questions from your network; try again in a minute.",
                retry_after=self._address_asks[address].retry_after(),
            )

    async def _on_vote(self, peer: Peer, message: p.Vote, request_id: str | None) -> None:
        _spend(self._votes, peer.client_id, self.config.votes_per_minute, "vote", "time")
        up = message.get("up", True)
        question, change = self.room.vote(
            peer.client_id, message["question_id"], up, moderator=peer.role == p.MODERATOR
        )
        key = (question.id, peer.client_id)
        if change.votes:
            await self._tracked(self._vote_writes, key, self._change_writes(change, self.clock()))
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
        action = change.action
        assert action is not None
        ack: p.Ack = {"type": "ack", "request_id": request_id, "question_id": action.question_id}
        ack["action_id"] = action.id
        await self._moderated(peer, change, now, action.kind, ack)
        self.hints.learn(change, self.room)

    async def _on_undo(self, peer: Peer, message: p.Undo, request_id: str | None) -> None:
        change = self.room.undo()
        action = change.action
        assert action is not None
        ack: p.Ack = {"type": "ack", "request_id": request_id, "question_id": action.question_id}
        ack["undone"] = action.summary()
        await self._moderated(peer, change, self.clock(), f"undo {action.kind}", ack)

    async def _moderated(
        self, peer: Peer, change: Change, now: float, what: str, ack: p.Ack
    ) -> None:
        """Commit a moderator's action or undo; once it is on disk, log, acknowledge, announce.

        Called in the step that decided ``change``: it queues the writes before its first
        ``await`` (see ``_queue``).
        """
        await self._committed(self._queue(self._change_writes(change, now)))
        assert change.action is not None
        log.info("moderator: %s #%d", what, change.action.question_id)
        self._reply(peer, ack)
        self._announce(change)

    async def _on_settings(
        self, peer: Peer, message: p.SettingsRequest, request_id: str | None
    ) -> None:
        auto_approve = message["auto_approve"]
        await self._committed(self._queue([meta_write("auto_approve", json.dumps(auto_approve))]))
        self.room.auto_approve = auto_approve
        self._reply(peer, {"type": "ack", "request_id": request_id})
        self._push(self.registry.peers, {"type": "settings", "auto_approve": auto_approve})

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
        self._push(self.registry.peers, snapshot)

    async def _on_export(self, peer: Peer, message: p.Export, request_id: str | None) -> None:
        """The session's Markdown record, rendered from the database off the event loop."""
        from ..export import render_export

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


def _spend(
    budgets: dict[str, Bucket], client_id: str, per_minute: int, verb: str, unit: str
) -> None:
    """Take one request from a client's budget for the minute, or refuse it saying when to retry."""
    bucket = budgets.setdefault(client_id, Bucket(per_minute, 60.0))
    if not bucket.take():
        raise RoomError(
            p.RATE_LIMITED,
            f"You can {verb} {plural(per_minute, unit)} a minute; "
            f"try again in {bucket.retry_after():.0f} s.",
            retry_after=bucket.retry_after(),
        )


def _report_hints(count: int, done: asyncio.Future[None]) -> None:
    """Log hints whose write failed (the moderator saw them; a restart will not)."""
    if not done.cancelled() and done.exception() is not None:
        log.warning("could not store %d topic and duplicate hints: %s", count, done.exception())
