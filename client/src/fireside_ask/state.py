"""What an attendee can see of a session, kept up to date from the hub's messages.

Plain data and rules, no I/O: ``HubState.apply_welcome`` takes the whole picture from
``welcome`` and ``HubState.apply`` folds in each pushed message, returning the ``Event``s
worth telling the user about. Both take messages as ``protocol.decode_message`` returns
them: a frame that fails decoding (malformed, or a newer hub's type) is skipped before it
gets here, so the reducer checks only what the schema leaves open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

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
    message: Mapping[str, Any] = field(default_factory=dict)
    before: Message | None = None
    """For ``question`` and ``question_removed``: the question as it was, if known."""
    mine: bool = False
    """For ``question_removed``: whether it was this attendee's own question."""


def question_id(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _clock_of(message: p.ServerMessage) -> p.ClockPush | None:
    """The segment clock in a message: a ``clock`` push, or the ``clock`` of ``welcome``."""
    # mypy narrows the union of TypedDicts on their Literal ``type``: no casts needed.
    if message["type"] == "clock":
        return message
    if message["type"] == "welcome":
        return message.get("clock")
    return None


class _Limit:
    """A limit the hub announced in ``welcome`` under this attribute's name, else the
    protocol's default."""

    def __init__(self, default: int) -> None:
        self.default = default
        self.key = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name

    def __get__(self, state: HubState, owner: type | None = None) -> int:
        value = state.limits.get(self.key)
        # The schema makes a limit a whole number; that it is positive is ours to check.
        return value if value is not None and value > 0 else self.default


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

    # The hub's limits, each read from the welcome by its own name.
    question_chars = _Limit(p.MAX_QUESTION_CHARS)
    frame_bytes = _Limit(p.MAX_FRAME_BYTES)
    questions_per_minute = _Limit(p.QUESTIONS_PER_MINUTE)
    votes_per_minute = _Limit(p.VOTES_PER_MINUTE)

    @property
    def ended(self) -> bool:
        """Whether the moderator has ended the session (after its last segment)."""
        return self.clock_state == "finished"

    def visible(self) -> list[Message]:
        """Questions to list: on air first (until the session ends), then pinned, then by
        votes, then oldest first."""
        on_stage = not self.ended
        shown = [
            q
            for q in self.questions.values()
            if q.get("merged_into") is None and q.get("state") != p.REJECTED
        ]
        return sorted(
            shown,
            key=lambda q: (
                not (on_stage and q.get("state") == p.ON_AIR),
                not q.get("pinned"),
                -int(q.get("votes") or 0),
                q["id"],
            ),
        )

    def _store(self, view: p.QuestionView) -> Message:
        # Kept as the plain dict it is at run time (no copy): the views and renderers read
        # questions loosely, and the event that carries this view shows the same object.
        stored = cast(Message, view)
        self.questions[view["id"]] = stored
        return stored

    def apply_welcome(self, welcome: p.Welcome) -> list[Event]:
        """Take the whole state from ``welcome``; return the events it means on top of it."""
        self.session = welcome.get("session", {})
        self.questions = {}
        self.mine = set()
        for view in welcome["questions"]:
            self._store(view)
        for view in welcome.get("mine", []):
            self.mine.add(self._store(view)["id"])
        self.my_votes = set(welcome.get("my_votes", []))
        self.on_air = welcome.get("on_air")
        self.connected = welcome.get("connected", self.connected)
        settings = welcome.get("settings")
        if settings is not None:
            self.auto_approve = settings["auto_approve"]
        limits = welcome.get("limits")
        self.limits = dict(limits) if limits is not None else {}
        return self._apply_clock(_clock_of(welcome))

    def _apply_clock(self, clock: p.ClockPush | None) -> list[Event]:
        if clock is None:
            return []
        events = []
        state = clock["state"]
        if state == "finished" and self.clock_state not in (None, "finished"):
            events.append(Event("finished", clock))
        self.clock_state = state
        segment = clock.get("segment")
        # A segment is an object the schema does not describe further: check its id here.
        if (
            state in ("running", "paused")
            and segment is not None
            and isinstance(segment.get("id"), str)
        ):
            if self.segment is None or self.segment.get("id") != segment["id"]:
                events.append(Event("segment", {"segment": segment}))
            self.segment = segment
        else:
            self.segment = None  # not started yet, or over
        return events

    def apply(self, message: p.ServerMessage) -> list[Event]:
        """Apply one pushed message; return the events it means for the user."""
        events = [Event(message["type"], message)]
        # Each comparison with a Literal ``type`` narrows ``message`` to that TypedDict.
        if message["type"] == "question":
            view = message["question"]
            if not isinstance(view, dict):
                # The decoder never lets this through; callers that feed the reducer raw
                # dicts (the tests do) get "ignored" rather than an exception.
                return []
            events[0].before = self.questions.get(view["id"])
            self._store(view)
        elif message["type"] == "question_removed":
            qid = message["id"]
            before = events[0].before = self.questions.pop(qid, None)
            events[0].mine = qid in self.mine
            into = message["merged_into"]
            if into is not None and before is not None:
                # Kept (out of the list) so that a vote for it, or an undone merge,
                # can say where it went and where it was.
                self.questions[qid] = {**before, "merged_into": into}
        elif message["type"] == "votes":
            for qid, count in p.vote_counts(message).items():
                if qid in self.questions:
                    self.questions[qid]["votes"] = count
        elif message["type"] == "on_air":
            current = message["question"]
            self.on_air = self._store(current)["id"] if current is not None else None
        elif message["type"] == "presence":
            self.connected = message["connected"]
        elif message["type"] == "settings":
            self.auto_approve = message["auto_approve"]
        events.extend(self._apply_clock(_clock_of(message)))
        return events
