"""The ``welcome`` frame a client gets after its ``hello``: the whole session as its role
sees it, with the public questions encoded once per state version for all attendees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fireside_ask import protocol as p

from ..room import Room
from .audiences import Views
from .config import HubConfig
from .peers import Peer


class Welcomes:
    """Builds welcomes; ``version`` is bumped on every change attendees can see."""

    def __init__(
        self,
        config: HubConfig,
        live: Callable[[], tuple[int, dict[str, Any]]],
        join: Callable[[], tuple[str, str]],
    ) -> None:
        self.config = config
        self._live = live
        """People connected and the clock snapshot, as of now."""
        self._join = join
        """The join command and page address (moderators only)."""
        self.version = 0
        """Bumped on every change that attendees can see: keys the cache."""
        self._public_questions: tuple[int, int, str] | None = None
        """(room id, version, the public questions encoded), shared by every welcome."""

    def frame(self, peer: Peer, room: Room) -> str:
        """The encoded welcome. Attendees and stage screens share one encoding of the public
        questions per state version: with hundreds of questions, building and encoding them
        for every arrival was most of a handshake's cost while a room fills."""
        if peer.role == p.MODERATOR:
            return p.encode(self.build(peer, room))
        cached = self._public_questions
        if cached is None or cached[0] != id(room) or cached[1] != self.version:
            views = Views(room)
            questions = [views.public(q) for q in room.questions.values() if q.public]
            # '"questions":[...]', spliced into each welcome's own object below.
            member = p.encode({"questions": questions})[1:-1]
            cached = self._public_questions = (id(room), self.version, member)
        head = p.encode(self.build(peer, room, with_questions=False))
        return f"{head[:-1]},{cached[2]}}}"

    def build(self, peer: Peer, room: Room, *, with_questions: bool = True) -> dict[str, Any]:
        """The welcome of one peer as a message (without questions if the caller adds them)."""
        views = Views(room)
        mine: list[dict[str, Any]] = []
        my_votes: list[int] = []
        if peer.role == p.ATTENDEE:
            mine = [
                views.public(q)
                for q in room.questions.values()
                if q.client_id == peer.client_id and q.state != p.REJECTED
            ]
            my_votes = sorted(qid for qid, voters in room.votes.items() if peer.client_id in voters)
        on_air = room.on_air()
        connected, clock = self._live()
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
            "connected": connected,
            "clock": clock,
            "on_air": on_air.id if on_air else None,
            "mine": mine,
            "my_votes": my_votes,
        }
        if with_questions:
            if peer.role == p.MODERATOR:
                welcome["questions"] = [views.moderator(q) for q in room.questions.values()]
            else:
                welcome["questions"] = [
                    views.public(q) for q in room.questions.values() if q.public
                ]
        if peer.role == p.MODERATOR:
            welcome["undo"] = room.undo_summary()
            # A remote dashboard knows only the address it connected with (a tunnel,
            # loopback); the hub knows the one attendees on its network should type.
            welcome["join"], welcome["join_url"] = self._join()
        return welcome
