"""The protocol's constants: version, roles, question states, limits, error and close codes.

Also which requests each role may send and which states each moderator action applies to:
the facts the hub, the dashboard and the clients decide by. Standard library only.
"""

from __future__ import annotations

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

#: Requests any role may send after ``hello``.
COMMON_REQUESTS = frozenset({"ping"})
#: Requests an attendee may send (a moderator may send them too).
ATTENDEE_REQUESTS = frozenset({"ask", "vote"})
#: Moderator actions on one question; each takes ``question_id``.
QUESTION_ACTIONS = frozenset(ACTION_STATES)
#: Moderator requests that are not about one question.
MODERATOR_REQUESTS = frozenset({"undo", "settings", "clock", "export"})
ALL_REQUESTS = COMMON_REQUESTS | ATTENDEE_REQUESTS | QUESTION_ACTIONS | MODERATOR_REQUESTS

Message = dict[str, Any]
"""Any decoded frame, read loosely (the reducers that tolerate a hub not quite ours)."""
