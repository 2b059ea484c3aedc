"""The websockets internals the hub trims per connection are still there, with the same use.

To keep a room of 10,000 under its memory goal (issue 17), ``admission.GuardedConnection``
swaps two empty per-connection deques for lists and ``handshake.forget_handshake`` empties
the stored request's headers. Both are guarded (a different shape only loses the saving),
but a list lacks most of ``deque``'s methods: if websockets starts calling one of them, the
hub would fail on every connection. websockets is pinned to the tested major in
pyproject.toml; these tests fail first when an upgrade changes what the swap relies on.
"""

from __future__ import annotations

import inspect
import re

from websockets.asyncio import connection, messages

from fireside.admission import _ShortQueue


def test_the_frame_queue_is_only_used_through_methods_the_short_queue_has() -> None:
    """Frames still arrive in order: websockets calls only append/popleft/extendleft on it."""
    used = set(re.findall(r"self\.queue\.(\w+)", inspect.getsource(messages.SimpleQueue)))
    assert used == {"append", "popleft", "extendleft"}
    assert all(callable(getattr(_ShortQueue, name, None)) for name in used)


def test_the_drain_waiters_are_only_appended_removed_and_walked() -> None:
    """A client slow to read still gets its writes: the waiters' list does what the deque did."""
    source = inspect.getsource(connection.Connection)
    used = set(re.findall(r"self\.drain_waiters\.(\w+)", source))
    assert used == {"append", "remove"}
    assert "for waiter in self.drain_waiters" in source


def test_a_ping_waits_only_while_paused_or_closing() -> None:
    """The keepalive rota pings inside the hub's tick (``hub.keepalive``) and skips the peers
    a ping would wait for: ``ping()`` must wait only in ``drain()`` while writing is paused
    (``paused``), or in ``send_context()`` for the close once the state is not OPEN."""
    ping = inspect.getsource(connection.Connection.ping)
    body = ping.split('"""')[-1]
    assert "async with self.send_context()" in body
    assert "await" not in body.replace("async with self.send_context()", "")
    drain = inspect.getsource(connection.Connection.drain)
    assert "if self.paused:" in drain and drain.count("await ") == 2
    context = inspect.getsource(connection.Connection.send_context)
    assert "if self.protocol.state is expected_state:" in context
    assert "await self.drain()" in context
