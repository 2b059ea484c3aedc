"""Building frames (``hello``, ``error``, ``encode``), vote counts, and hub addresses."""

from __future__ import annotations

import json
import re
from typing import Any

from .constants import DEFAULT_PORT, PROTOCOL_VERSION
from .messages import Error, Hello, VotesPush


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
