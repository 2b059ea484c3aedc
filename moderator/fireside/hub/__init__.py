"""The websocket hub: one session's questions, votes and moderator actions, live.

Its parts: ``config`` (what it can be told), ``peers`` (who is connected), ``handshake``
(who gets in), ``fanout`` (sending without waiting, stall detection), ``audiences`` (who
sees what, pure), ``welcome``, ``hints`` (topic and duplicate hints), ``listen`` (the
socket and stored settings), ``requests`` (the request handlers) and ``server`` (the ``Hub``:
wiring, life cycle, connections).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import HubConfig

if TYPE_CHECKING:
    from .server import Hub

__all__ = ["Hub", "HubConfig"]


def __getattr__(name: str) -> object:
    # ``Hub`` loads the topic models and numpy (about 0.2 s); the dashboard and the CLI's
    # option table only need ``HubConfig``, so the server is imported when first asked for.
    if name == "Hub":
        from .server import Hub

        return Hub
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
