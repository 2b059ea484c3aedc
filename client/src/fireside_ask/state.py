"""What an attendee can see of a session, kept up to date from the hub's messages.

Plain data and rules, no I/O: ``HubState.apply_welcome`` takes the whole picture from
``welcome`` and ``HubState.apply`` folds in each pushed message, returning the ``Event``s
worth telling the user about. Anything malformed is skipped (a hub could be buggy or
hostile); message types this client does not know are passed on and otherwise ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import protocol as p

Message = dict[str, Any]


@dataclass
class Event:
    """Something the user may want to hear about; ``kind`` is mostly the message type.

    Besides the hub's own types there are ``connecting``, ``welcome``, ``disconnected``
    (with ``reason`` and ``retry_in``), ``segment`` (another agenda segment started) and
    ``finished`` (the moderator ended the session).
    """

    kind: str
    message: Message = field(default_factory=dict)
    before: Message | None = None
    """For ``question`` and ``question_removed``: the question as it was, if known."""
    mine: bool = False
    """For ``question_removed``: whether it was this attendee's own question."""


def question_id(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _clock_of(message: Message) -> Message | None:
    """The segment clock in a message: a ``clock`` push, or the ``clock`` of ``welcome``.

    Any other message that names a ``segment`` object (a future ``agenda`` push) counts too.
    """
    if message.get("type") == "clock":
        return message
    clock = message.get("clock")
    if isinstance(clock, dict):
        return clock
    if message.get("type") != "question" and isinstance(message.get("segment"), dict):
        return message
    return None


class HubState:
    """What the attendee can see of the session, kept up to date from pushed messages."""

    def __init__(self) -> None:
        self.session: Message = {}
        """The agenda as the hub sent it (title, speakers, segments)."""
        self.questions: dict[int, Message] = {}
        self.mine: set[int] = set()
        """Ids of this attendee's own questions (kept when one leaves the list: an undo
        can bring it back)."""
        self.my_votes: set[int] = set()
        self.on_air: int | None = None
        self.connected = 0
        self.auto_approve = False
        self.limits: Message = {}
        self.segment: Message | None = None
        """The agenda segment running now (while the clock runs or is paused)."""
        self.clock_state: str | None = None
        """``ready``, ``running``, ``paused`` or ``finished``; ``None`` if never told."""

    @property
    def title(self) -> str:
        return str(self.session.get("title") or "")

    @property
    def question_chars(self) -> int:
        return self._limit("question_chars", p.MAX_QUESTION_CHARS)

    @property
    def frame_bytes(self) -> int:
        return self._limit("frame_bytes", p.MAX_FRAME_BYTES)

    @property
    def questions_per_minute(self) -> int:
        return self._limit("questions_per_minute", p.QUESTIONS_PER_MINUTE)

    @property
    def votes_per_minute(self) -> int:
        return self._limit("votes_per_minute", p.VOTES_PER_MINUTE)

    @property
    def ended(self) -> bool:
        """Whether the moderator has ended the session (after its last segment)."""
        return self.clock_state == "finished"

    def _limit(self, key: str, default: int) -> int:
        """A limit the hub announced in ``welcome``, else the protocol's default."""
        value = self.limits.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            return default
        return value

    def visible(self) -> list[Message]:
        """Questions to list: on air first, then pinned, then by votes, then oldest first."""
        shown = [
            q
            for q in self.questions.values()
            if q.get("merged_into") is None and q.get("state") != p.REJECTED
        ]
        return sorted(
            shown,
            key=lambda q: (
                q.get("state") != p.ON_AIR,
                not q.get("pinned"),
                -int(q.get("votes") or 0),
                q["id"],
            ),
        )

    def _store(self, view: Any) -> Message | None:
        if not isinstance(view, dict) or question_id(view.get("id")) is None:
            return None
        self.questions[view["id"]] = view
        return view

    def apply_welcome(self, welcome: Message) -> list[Event]:
        """Take the whole state from ``welcome``; return the events it means on top of it."""
        session = welcome.get("session")
        self.session = session if isinstance(session, dict) else {}
        self.questions = {}
        self.mine = set()
        for view in welcome.get("questions") or ():
            self._store(view)
        for view in welcome.get("mine") or ():
            stored = self._store(view)
            if stored is not None:
                self.mine.add(stored["id"])
        self.my_votes = {
            qid
            for qid in (welcome.get("my_votes") or ())
            if question_id(qid) is not None
        }
        on_air = welcome.get("on_air")
        if isinstance(on_air, dict):  # a whole question rather than its id
            stored = self._store(on_air)
            on_air = stored["id"] if stored is not None else None
        self.on_air = question_id(on_air)
        self._presence(welcome.get("connected"))
        settings = welcome.get("settings")
        if isinstance(settings, dict):
            self.auto_approve = bool(settings.get("auto_approve"))
        limits = welcome.get("limits")
        self.limits = limits if isinstance(limits, dict) else {}
        return self._apply_clock(_clock_of(welcome))

    def _presence(self, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.connected = value

    def _apply_clock(self, clock: Message | None) -> list[Event]:
        if clock is None:
            return []
        events = []
        state = clock.get("state")
        state = state if isinstance(state, str) else None
        if state == "finished" and self.clock_state not in (None, "finished"):
            events.append(Event("finished", clock))
        self.clock_state = state
        segment = clock.get("segment")
        if (
            state in (None, "running", "paused")
            and isinstance(segment, dict)
            and isinstance(segment.get("id"), str)
        ):
            if self.segment is None or self.segment.get("id") != segment["id"]:
                events.append(Event("segment", {"segment": segment}))
            self.segment = segment
        else:
            self.segment = None  # not started yet, or over
        return events

    def apply(self, message: Message) -> list[Event]:
        """Apply one pushed message; return the events it means for the user."""
        kind = message["type"]
        events = [Event(kind, message)]
        if kind == "question":
            view = message.get("question")
            before = None
            if isinstance(view, dict) and question_id(view.get("id")) is not None:
                before = self.questions.get(view["id"])
            if self._store(view) is None:
                return []
            events[0].before = before
        elif kind == "question_removed":
            qid = question_id(message.get("id"))
            if qid is not None:
                before = events[0].before = self.questions.pop(qid, None)
                events[0].mine = qid in self.mine
                into = question_id(message.get("merged_into"))
                if into is not None and before is not None:
                    # Kept (out of the list) so that a vote for it, or an undone merge,
                    # can say where it went and where it was.
                    self.questions[qid] = {**before, "merged_into": into}
        elif kind == "votes":
            counts = message.get("counts")
            if isinstance(counts, dict):
                for key, count in counts.items():
                    try:
                        qid = int(key)
                    except ValueError:
                        continue
                    if qid in self.questions and isinstance(count, int):
                        self.questions[qid]["votes"] = count
        elif kind == "on_air":
            view = self._store(message.get("question"))
            self.on_air = view["id"] if view is not None else None
        elif kind == "presence":
            self._presence(message.get("connected"))
        elif kind == "settings" and isinstance(message.get("auto_approve"), bool):
            self.auto_approve = message["auto_approve"]
        events.extend(self._apply_clock(_clock_of(message)))
        return events
