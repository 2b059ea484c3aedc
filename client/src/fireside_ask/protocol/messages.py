"""Every message of protocol v1 as a ``TypedDict``, and the two tables that name them by type.

Required fields are in a ``_...Base`` class, optional ones in the ``total=False`` subclass:
the one way Python 3.9 can say both in one TypedDict. The declarations are read at run time
by ``typing.get_type_hints``, so they say ``Optional``/``Union`` rather than ``X | None``,
which Python 3.9 cannot evaluate.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, TypedDict, Union, get_type_hints

from .constants import ALL_REQUESTS

# === messages, client -> hub ===========================================================


class _HelloBase(TypedDict):
    type: Literal["hello"]
    protocol: int
    client_id: str


class Hello(_HelloBase, total=False):
    """The first frame a client sends."""

    role: Literal["attendee", "moderator", "stage"]
    name: Optional[str]
    token: str
    request_id: str


class _RequestBase(TypedDict, total=False):
    request_id: str


class Ping(_RequestBase):
    """An application-level check; answered with ``pong``."""

    type: Literal["ping"]


class _AskBase(TypedDict):
    type: Literal["ask"]
    request_id: str
    text: str


class Ask(_AskBase):
    """A question from the audience."""


class _VoteBase(_RequestBase):
    type: Literal["vote"]
    question_id: int


class Vote(_VoteBase, total=False):
    """Give (or with ``up: false`` take back) one vote."""

    up: bool


class _ActionBase(_RequestBase):
    question_id: int


class Approve(_ActionBase):
    type: Literal["approve"]


class Reject(_ActionBase):
    type: Literal["reject"]


class PutOnAir(_ActionBase):
    type: Literal["on_air"]


class MarkAnswered(_ActionBase):
    type: Literal["answered"]


class _PinBase(_ActionBase):
    type: Literal["pin"]


class Pin(_PinBase, total=False):
    pinned: bool


class Edit(_ActionBase):
    type: Literal["edit"]
    text: str


class _TopicBase(_ActionBase):
    type: Literal["topic"]


class SetTopic(_TopicBase, total=False):
    topic: Optional[str]


class Merge(_ActionBase):
    type: Literal["merge"]
    into: int


class Undo(_RequestBase):
    type: Literal["undo"]


class SettingsRequest(_RequestBase):
    type: Literal["settings"]
    auto_approve: bool


class _ClockBase(_RequestBase):
    type: Literal["clock"]
    action: Literal["start", "pause", "resume", "toggle", "next", "back", "adjust"]


class ClockRequest(_ClockBase, total=False):
    seconds: int


#: Commands of the ``clock`` request.
CLOCK_COMMANDS: tuple[str, ...] = get_type_hints(_ClockBase)["action"].__args__


class _ExportBase(_RequestBase):
    type: Literal["export"]


class Export(_ExportBase, total=False):
    names: bool
    include_pending: bool


QuestionAction = Union[Approve, Reject, PutOnAir, MarkAnswered, Pin, Edit, SetTopic, Merge]
Request = Union[
    Hello, Ping, Ask, Vote, QuestionAction, Undo, SettingsRequest, ClockRequest, Export
]

# === messages, hub -> client ===========================================================


class QuestionView(TypedDict):
    """A question as attendees and the stage see it."""

    id: int
    text: str
    state: str
    votes: int
    pinned: bool
    topic: Optional[str]
    name: Optional[str]
    created_at: float
    segment: Optional[str]
    on_air_at: Optional[float]
    answered_at: Optional[float]
    merged_into: Optional[int]


class ModeratorView(QuestionView, total=False):
    """A question with everything the moderator may see (only moderators get these)."""

    client_id: str
    original_text: str
    edited: bool
    approved_at: Optional[float]
    on_air_segment: Optional[str]
    suggested_topic: Optional[str]
    suggestion_words: Optional[str]
    duplicate_of: Optional[int]


class UndoSummary(TypedDict):
    """One moderator action, as ``undo`` names it."""

    action_id: int
    kind: str
    question_id: int


class Limits(TypedDict):
    question_chars: int
    questions_per_minute: int
    votes_per_minute: int
    frame_bytes: int


class SettingsView(TypedDict):
    auto_approve: bool


class _ClockPushBase(TypedDict):
    type: Literal["clock"]
    state: str
    phase: str


class ClockPush(_ClockPushBase, total=False):
    """The segment clock (also the ``clock`` of ``welcome``)."""

    server_time: float
    index: int
    segment: Optional[dict[str, Any]]
    allowance: float
    elapsed: float
    wrapup: float
    remaining_after: float
    started_at: Optional[float]
    finished_at: Optional[float]
    planned_end: Optional[float]
    projected_end: Optional[float]
    segments: list[dict[str, Any]]


class _WelcomeBase(TypedDict):
    type: Literal["welcome"]
    protocol: int
    role: str
    client_id: str
    questions: list[QuestionView]


class Welcome(_WelcomeBase, total=False):
    """The answer to ``hello``: a full snapshot that replaces everything a client held."""

    server: str
    name: Optional[str]
    session: dict[str, Any]
    settings: SettingsView
    limits: Limits
    connected: int
    clock: ClockPush
    on_air: Optional[int]
    mine: list[QuestionView]
    my_votes: list[int]
    undo: Optional[UndoSummary]
    join: str
    join_url: str


class QuestionPush(TypedDict):
    type: Literal["question"]
    question: QuestionView


class QuestionRemoved(TypedDict):
    type: Literal["question_removed"]
    id: int
    merged_into: Optional[int]


class VotesPush(TypedDict):
    type: Literal["votes"]
    counts: dict[str, int]


class OnAirPush(TypedDict):
    type: Literal["on_air"]
    question: Optional[QuestionView]


class Presence(TypedDict):
    type: Literal["presence"]
    connected: int


class SettingsPush(TypedDict):
    type: Literal["settings"]
    auto_approve: bool


class LimitPush(TypedDict):
    type: Literal["limit"]
    limit: str
    address: str
    message: str


class UndoPush(TypedDict):
    type: Literal["undo"]
    next: Optional[UndoSummary]


class _AckBase(TypedDict):
    type: Literal["ack"]
    request_id: Optional[str]


class Ack(_AckBase, total=False):
    """The answer to a request; which fields it has depends on the request (see the doc)."""

    question_id: int
    state: str
    duplicate: bool
    up: bool
    votes: int
    changed: bool
    action_id: int
    undone: UndoSummary
    clock: str
    markdown: str
    db: str


class Pong(TypedDict):
    type: Literal["pong"]
    request_id: Optional[str]


class _ErrorBase(TypedDict):
    type: Literal["error"]
    request_id: Optional[str]
    code: str
    message: str


class Error(_ErrorBase, total=False):
    """The one shape of every refusal."""

    retry_after: float


ServerMessage = Union[
    Welcome,
    QuestionPush,
    QuestionRemoved,
    VotesPush,
    OnAirPush,
    ClockPush,
    Presence,
    SettingsPush,
    LimitPush,
    UndoPush,
    Ack,
    Pong,
    Error,
]


def _by_type(*classes: Any) -> dict[str, Any]:
    table = {}
    for cls in classes:
        (kind,) = get_type_hints(cls)["type"].__args__
        table[kind] = cls
    return table


#: Every message a client may send, by ``type``.
REQUESTS: dict[str, Any] = _by_type(
    Hello, Ping, Ask, Vote, Approve, Reject, PutOnAir, MarkAnswered, Pin, Edit, SetTopic,
    Merge, Undo, SettingsRequest, ClockRequest, Export,
)  # fmt: skip
#: Every message the hub may send, by ``type``.
MESSAGES: dict[str, Any] = _by_type(
    Welcome, QuestionPush, QuestionRemoved, VotesPush, OnAirPush, ClockPush, Presence,
    SettingsPush, LimitPush, UndoPush, Ack, Pong, Error,
)  # fmt: skip
assert ALL_REQUESTS | {"hello"} == set(REQUESTS), "a request without a role, or a role without one"
