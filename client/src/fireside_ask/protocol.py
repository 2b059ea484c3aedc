"""The Fireside wire protocol, version 1: defined here once, imported by the hub too.

Every frame is a JSON object in a text frame, tagged by ``"type"``. ``docs/protocol.md``
documents each message with an example; this module holds the constants and the small
helpers both sides use to build and read frames, so that the two can never drift apart.

This module must stay importable on the oldest Python the attendee client supports (3.9)
and must import nothing heavier than the standard library.
"""

from __future__ import annotations

import json
import re
from typing import Any

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
INTERNAL = "internal"
ERROR_CODES = (
    BAD_MESSAGE,
    UNKNOWN_TYPE,
    NOT_ALLOWED,
    EMPTY,
    TOO_LONG,
    RATE_LIMITED,
    NOT_FOUND,
    UNSUPPORTED_PROTOCOL,
    BAD_TOKEN,
    INVALID_STATE,
    NOTHING_TO_UNDO,
    INTERNAL,
)

# --- message types ---------------------------------------------------------------------
#: Requests any role may send after ``hello``.
COMMON_REQUESTS = frozenset({"ping"})
#: Requests an attendee may send (a moderator may send them too).
ATTENDEE_REQUESTS = frozenset({"ask", "vote"})
#: Moderator actions on one question; each takes ``question_id``.
QUESTION_ACTIONS = frozenset(
    {"approve", "reject", "on_air", "answered", "pin", "edit", "topic", "merge"}
)
#: Moderator requests that are not about one question.
MODERATOR_REQUESTS = frozenset({"undo", "settings", "clock", "export"})
ALL_REQUESTS = (
    COMMON_REQUESTS | ATTENDEE_REQUESTS | QUESTION_ACTIONS | MODERATOR_REQUESTS
)

#: Close codes the hub uses (RFC 6455 numbers).
CLOSE_GOING_AWAY = 1001
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009

Message = dict[str, Any]


class ProtocolError(Exception):
    """A frame that breaks the protocol; carries the error code to answer with."""

    def __init__(self, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.request_id = request_id


def encode(message: Message) -> str:
    """Serialise one message compactly, keeping non-ASCII text as UTF-8 (not ``\\u`` escapes)."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def decode(frame: Any) -> Message:
    """Parse one incoming frame into a message object, or raise ``ProtocolError``.

    Binary frames, invalid JSON, non-objects and a missing or non-string ``type`` are all
    ``bad_message``. Deeply nested JSON is refused by the parser's own recursion guard.
    """
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
    return message


def error(code: str, message: str, request_id: str | None = None) -> Message:
    """Build an ``error`` frame: the one shape of every refusal."""
    return {"type": "error", "request_id": request_id, "code": code, "message": message}


def hello(
    role: str,
    client_id: str,
    name: str | None = None,
    token: str | None = None,
) -> Message:
    """Build the first frame a client sends."""
    message: Message = {
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "role": role,
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


def split_request(message: Message) -> tuple[str, str | None]:
    """Return the ``type`` and ``request_id`` of a decoded message."""
    return message["type"], message.get("request_id")
