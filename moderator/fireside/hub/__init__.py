"""The websocket hub: one session's questions, votes and moderator actions, live.

Its parts: ``config`` (what it can be told), ``peers`` (who is connected), ``handshake``
(who gets in), ``fanout`` (sending without waiting, stall detection), ``audiences`` (who
sees what, pure), ``welcome``, ``hints`` (topic and duplicate hints), ``listen`` (the
socket and stored settings), ``requests`` (the request handlers) and ``server`` (the ``Hub``:
wiring, life cycle, connections).
"""

from .config import HubConfig
from .server import Hub

__all__ = ["Hub", "HubConfig"]
