"""The Fireside wire protocol, version 1: every message declared once, here.

Every frame is a JSON object in a text frame, tagged by ``"type"``. Each message of the
protocol is a ``TypedDict`` below; the hub, the dashboard, the attendee client and the
tests read frames only through ``decode_request`` (client to hub) or ``decode_message``
(hub to client), which check every declared field against its declaration and return the
typed message, or raise ``ProtocolError`` (``bad_message``) naming the field. Fields a
message does not declare are ignored: that is the versioning rule (``docs/protocol.md``).

This module must stay importable on the oldest Python the attendee client supports (3.9)
and must import nothing heavier than the standard library. The message declarations are
read at run time by ``typing.get_type_hints``, so they use ``Optional``/``Union`` rather
than ``X | None``, which Python 3.9 cannot evaluate.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, Literal, Optional, TypedDict, Union, get_type_hints

PROTOCOL_VERSION = 1
DEFAULT_PORT = 8765

# --- roles -----------------------------------------------------------------------------
ATTENDEE = "attendee"
MODERATOR = "moderator"
STAGE = "stage"
ROLES = (ATTENDEE, MODERATOR, STAGE)

# --- question states -------------------------------------------------------------------
PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
ON_AIR = "on_air"
ANSWERED = "answered"
STATES = (PENDING, APPROVED, REJECTED, ON_AIR, ANSWERED)
#: States an attendee may see on anyone's question.
PUBLIC_STATES = frozenset({APPROVED, ON_AIR, ANSWERED})

# --- limits (defaults; the hub announces the ones in force in ``welcome``) --------------
MAX_QUESTION_CHARS = 500
MAX_NAME_CHARS = 40
MAX_FRAME_BYTES = 4096
QUESTIONS_PER_MINUTE = 3
VOTES_PER_MINUTE = 30
#: Use with ``fullmatch``: ``$`` would also accept a trailing newline.
CLIENT_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
#: Seconds the hub waits for ``hello`` before it refuses the connection.
HELLO_TIMEOUT = 10.0

# --- error codes -----------------------------------------------------------------------
BAD_MESSAGE = "bad_message"
UNKNOWN_TYPE = "unknown_type"
NOT_ALLOWED = "not_allowed"
EMPTY = "empty"
TOO_LONG = "too_long"
RATE_LIMITED = "rate_limited"
NOT_FOUND = "not_found"
UNSUPPORTED_PROTOCOL = "unsupported_protocol"
BAD_TOKEN = "bad_token"
INVALID_STATE = "invalid_state"
NOTHING_TO_UNDO = "nothing_to_undo"
CONFLICT = "conflict"
INTERNAL = "internal"
ERROR_CODES = (
    BAD_MESSAGE,
    UNKNOWN_TYPE,
    NOT_ALLOWED,
    EMPTY,
    TOO_LONG,
    RATE_LIMITED,
    NOT_FOUND,
    INVALID_STATE,
    NOTHING_TO_UNDO,
    CONFLICT,
    UNSUPPORTED_PROTOCOL,
    BAD_TOKEN,
    INTERNAL,
)

# --- moderator actions -----------------------------------------------------------------
_LIVE = frozenset({PENDING, APPROVED, ON_AIR, ANSWERED})
#: Each moderator action on one question, and the states of the question it applies to.
#: The room enforces it, the dashboard offers only the keys that apply, and the table in
#: ``docs/protocol.md`` is checked against it.
ACTION_STATES: dict[str, frozenset[str]] = {
    "approve": frozenset({PENDING, REJECTED}),
    "reject": frozenset({PENDING, APPROVED}),
    "on_air": frozenset({PENDING, APPROVED, ANSWERED}),
    "answered": frozenset({ON_AIR, APPROVED}),
    "pin": _LIVE,
    "edit": _LIVE,
    "topic": _LIVE,
    "merge": frozenset({PENDING, APPROVED, ANSWERED}),
}
#: States of a question that can take a merge: only public ones, so that a merge never
#: makes a question visible that the moderator has not approved.
MERGE_INTO_STATES = PUBLIC_STATES

#: Close codes the hub uses (RFC 6455 numbers).
CLOSE_GOING_AWAY = 1001
CLOSE_INVALID_DATA = 1007
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009

Message = dict[str, Any]
"""Any decoded frame, read loosely (the reducers that tolerate a hub not quite ours)."""


# === messages, client -> hub ===========================================================
# Required fields in a ``_...Base`` class, optional ones in the ``total=False`` subclass:
# the one way Python 3.9 can say both in one TypedDict.


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

#: Requests any role may send after ``hello``.
COMMON_REQUESTS = frozenset({"ping"})
#: Requests an attendee may send (a moderator may send them too).
ATTENDEE_REQUESTS = frozenset({"ask", "vote"})
#: Moderator actions on one question; each takes ``question_id``.
QUESTION_ACTIONS = frozenset(ACTION_STATES)
#: Moderator requests that are not about one question.
MODERATOR_REQUESTS = frozenset({"undo", "settings", "clock", "export"})
ALL_REQUESTS = COMMON_REQUESTS | ATTENDEE_REQUESTS | QUESTION_ACTIONS | MODERATOR_REQUESTS
assert ALL_REQUESTS | {"hello"} == set(REQUESTS), "a request without a role, or a role without one"


class ProtocolError(Exception):
    """A frame that breaks the protocol; carries the error code to answer with."""

    def __init__(
        self, code: str, message: str, request_id: str | None = None, kind: str = ""
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id
        self.kind = kind
        """The frame's ``type`` when it had a string one (``unknown_type`` names it)."""


# === reading ===========================================================================


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _describe(annotation: Any) -> str:
    if annotation is str:
        return "a string"
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return "a whole number"
    if annotation is float:
        return "a number"
    origin = getattr(annotation, "__origin__", None)
    if origin is Literal:
        return "one of " + ", ".join(str(v) for v in annotation.__args__)
    if origin is Union:
        kinds = [_describe(a) for a in annotation.__args__ if a is not type(None)]
        return " or ".join(kinds) + " or null"
    if origin is list:
        return "a list"
    if origin is dict or isinstance(annotation, type):
        return "an object"
    return "something else"


_BAD = object()


def _check(value: Any, annotation: Any) -> Any:
    """Return ``value`` as ``annotation`` declares it, or ``_BAD``.

    JSON has one kind of number, so a whole number written as a float (``1.0``, how some
    encoders write 1) is accepted where a whole number is declared, and becomes an int.
    ``true`` is never a number, although Python says ``True == 1``.
    """
    if annotation is Any:
        return value
    if annotation is bool:
        return value if isinstance(value, bool) else _BAD
    if annotation is int:
        if isinstance(value, bool):
            return _BAD
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return _BAD
    if annotation is float:
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else _BAD
    if annotation is str:
        return value if isinstance(value, str) else _BAD
    origin = getattr(annotation, "__origin__", None)
    if origin is Literal:
        return value if isinstance(value, str) and value in annotation.__args__ else _BAD
    if origin is Union:
        if value is None and type(None) in annotation.__args__:
            return None
        for option in annotation.__args__:
            if option is not type(None) and (checked := _check(value, option)) is not _BAD:
                return checked
        return _BAD
    if origin is list:
        if not isinstance(value, list):
            return _BAD
        (item,) = annotation.__args__
        items = [_check(v, item) for v in value]
        return _BAD if any(i is _BAD for i in items) else items
    if origin is dict:
        if not isinstance(value, dict):
            return _BAD
        _, item = annotation.__args__
        if item is Any:
            return value
        values = {k: _check(v, item) for k, v in value.items()}
        return _BAD if any(v is _BAD for v in values.values()) else values
    if isinstance(annotation, type) and issubclass(annotation, dict):  # a TypedDict
        if not isinstance(value, dict):
            return _BAD
        try:
            return _fields(value, annotation, None)
        except ProtocolError:
            return _BAD
    raise TypeError(f"the protocol cannot declare {annotation!r}")  # pragma: no cover


_HINTS: dict[Any, dict[str, Any]] = {}


def _hints(cls: Any) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = get_type_hints(cls, vars(sys.modules[__name__]))
    return hints


def _fields(message: dict[str, Any], cls: Any, request_id: str | None) -> dict[str, Any]:
    """Check every field ``cls`` declares; keep the fields it does not declare as they are."""
    checked = dict(message)
    for name, annotation in _hints(cls).items():
        if name not in message:
            if name in cls.__required_keys__:
                kind = message.get("type", "message")
                raise ProtocolError(BAD_MESSAGE, f'"{name}" is missing from {kind}.', request_id)
            continue
        value = _check(message[name], annotation)
        if value is _BAD:
            raise ProtocolError(
                BAD_MESSAGE, f'"{name}" must be {_describe(annotation)}.', request_id
            )
        checked[name] = value
    return checked


def _decode(frame: Any, table: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(frame, str):
        raise ProtocolError(BAD_MESSAGE, "Frames must be JSON text, not binary.")
    try:
        message = json.loads(frame, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ProtocolError(BAD_MESSAGE, "That frame is not valid JSON.") from None
    if not isinstance(message, dict):
        raise ProtocolError(BAD_MESSAGE, "A frame must be a JSON object.")
    request_id = message.get("request_id")
    if request_id is not None and not (
        isinstance(request_id, str) and REQUEST_ID_PATTERN.fullmatch(request_id)
    ):
        raise ProtocolError(
            BAD_MESSAGE, "request_id must be 1-64 letters, digits or _.:- characters."
        )
    kind = message.get("type")
    if not isinstance(kind, str) or not kind:
        raise ProtocolError(BAD_MESSAGE, 'A frame needs a string "type".', request_id)
    cls = table.get(kind)
    if cls is None:
        raise ProtocolError(
            UNKNOWN_TYPE, f"Unknown message type {kind[:40]!r}.", request_id, kind
        )
    # The version is checked before the other fields: a client of another version must
    # learn that, whatever else its hello carries.
    if (
        kind == "hello"
        and table is REQUESTS
        and _check(message.get("protocol"), int) != PROTOCOL_VERSION
    ):
        raise ProtocolError(
            UNSUPPORTED_PROTOCOL,
            f"This hub speaks protocol {PROTOCOL_VERSION}; please update your client.",
            request_id,
        )
    checked = _fields(message, cls, request_id)
    # Only where the message declares it (hello): elsewhere a client_id is an undeclared
    # field, ignored like any other, whatever its kind.
    client_id = checked.get("client_id") if "client_id" in _hints(cls) else None
    if table is REQUESTS and client_id is not None and not CLIENT_ID_PATTERN.fullmatch(client_id):
        raise ProtocolError(
            BAD_MESSAGE, "client_id must be 8-64 letters, digits, _ or -.", request_id
        )
    return checked


def decode_request(frame: Any) -> Request:
    """Read one frame a client sent (the hub's side), or raise ``ProtocolError``.

    Binary frames, invalid JSON, non-objects, a missing ``type`` and a declared field of
    the wrong kind are ``bad_message`` (the message names the field); a ``type`` that is
    not a request is ``unknown_type``. Fields not declared are ignored.
    """
    return _decode(frame, REQUESTS)  # type: ignore[return-value]


def decode_message(frame: Any) -> ServerMessage:
    """Read one frame the hub sent (a client's side), or raise ``ProtocolError``.

    A client skips a frame this refuses: ``unknown_type`` is a newer hub's message.
    """
    return _decode(frame, MESSAGES)  # type: ignore[return-value]


def vote_counts(push: VotesPush) -> dict[int, int]:
    """The counts of a ``votes`` push by question id.

    JSON keys are strings, so the schema can only say the keys are strings: a key that is
    not a whole number names no question and is skipped.
    """
    counts = {}
    for key, count in push["counts"].items():
        try:
            counts[int(key)] = count
        except ValueError:
            continue
    return counts


# === writing ===========================================================================


def encode(message: Any) -> str:
    """Serialise one message compactly, keeping non-ASCII text as UTF-8 (not ``\\u`` escapes)."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def error(
    code: str, message: str, request_id: str | None = None, retry_after: float | None = None
) -> Error:
    """Build an ``error`` frame: the one shape of every refusal."""
    frame: Error = {"type": "error", "request_id": request_id, "code": code, "message": message}
    if retry_after is not None:
        # Whole seconds, rounded up: a client that waits that long is let in.
        frame["retry_after"] = float(max(1, -int(-retry_after // 1)))
    return frame


def hello(
    role: str,
    client_id: str,
    name: str | None = None,
    token: str | None = None,
) -> Hello:
    """Build the first frame a client sends."""
    message: Hello = {
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "role": role,  # type: ignore[typeddict-item]
        "client_id": client_id,
    }
    if name:
        message["name"] = name
    if token is not None:
        message["token"] = token
    return message


_HOST_PORT = re.compile(
    r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[^:/\[\]]+)(?::(?P<port>\d{1,5}))?/?$"
)


def normalize_url(target: str) -> str:
    """Turn ``host``, ``host:port``, ``ws://...`` or ``wss://...`` into a full websocket URL.

    >>> normalize_url("192.168.1.20")
    'ws://192.168.1.20:8765'
    >>> normalize_url("wss://talks.example.org")
    'wss://talks.example.org'
    """
    target = target.strip()
    if target.startswith(("ws://", "wss://")):
        return target
    if "://" in target:
        raise ValueError(f"{target!r} is not a ws:// or wss:// address.")
    match = _HOST_PORT.match(target)
    if not match:
        raise ValueError(f"{target!r} is not a host or host:port.")
    host, port = match.group("host"), match.group("port")
    if port is not None and not 0 < int(port) < 65536:
        raise ValueError(f"Port {port} is out of range.")
    return f"ws://{host}:{port or DEFAULT_PORT}"
