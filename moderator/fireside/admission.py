"""Limits below the application: what one connection can make the hub hold, and do.

These apply to every connection from its first byte, before ``hello`` and after, and to
every frame, control frames included, because the hub's own request handling never sees
a WebSocket ping: the websockets library answers it with a pong on its own.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from websockets.asyncio.server import ServerConnection
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import State

from .limits import Bucket

log = logging.getLogger("fireside.hub")

T = TypeVar("T")


class _ShortQueue(list[T]):
    """A list with the two ``deque`` methods websockets' incoming frame queue calls.

    At most ``max_queue`` frames wait in it, so taking from the front of a list is cheap;
    an empty list is 56 bytes to an empty deque's 760, once per connection (issue 17).
    """

    def popleft(self) -> T:
        return self.pop(0)

    def extendleft(self, items: Iterable[T]) -> None:
        for item in items:
            self.insert(0, item)


class GuardedConnection(ServerConnection):
    """A server connection whose write buffer and frame rate are bounded.

    - **Write buffer.** A client that sends pings and never reads makes a pong pile up in
      the hub's write buffer for each ping; nothing else notices, since no message of
      ours is queued. After every read, a connection holding more than ``write_cap``
      unread bytes is aborted.
    - **Frame budget.** Every frame (text, binary, ping, pong, continuation) spends one
      token from ``budget``; with none left, the connection is closed with 1008. A
      resend of an acknowledged ask or an application ``ping`` costs nothing else, so
      without this one connection could keep the event loop busy for everyone.
      Moderators are exempt once their token is checked (``budget = None``).
    """

    def __init__(
        self, *args: Any, write_cap: int, budget: Callable[[], Bucket], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.write_cap = write_cap
        """Unread bytes one connection may hold in the hub's write buffer."""
        self.budget: Bucket | None = budget()
        """Frames this connection may still send; ``None`` means unlimited (moderators)."""
        self._over_budget = False
        # Waiters for a full write buffer are appended, removed and iterated only: a list
        # does, for 700 bytes less than the empty deque websockets makes per connection.
        if isinstance(self.drain_waiters, collections.deque) and not self.drain_waiters:
            self.drain_waiters = []  # type: ignore[assignment]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        # The incoming frame queue is made here; a websockets whose internals differ
        # keeps its own, only missing the saving.
        frames = getattr(getattr(self, "recv_messages", None), "frames", None)
        queue = getattr(frames, "queue", None)
        if isinstance(queue, collections.deque) and not queue:
            frames.queue = _ShortQueue()  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        transport = self.transport
        if not transport.is_closing() and transport.get_write_buffer_size() > self.write_cap:
            log.warning(
                "dropped a connection from %s: %d bytes it does not read",
                _address(self),
                transport.get_write_buffer_size(),
            )
            transport.abort()

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame) and event.opcode is not Opcode.CLOSE:
            if self._over_budget:
                return  # frames parsed in the same read as the one over the budget
            if self.budget is not None and not self.budget.take():
                self._over_budget = True
                log.warning("closed a connection from %s: too many frames", _address(self))
                if self.protocol.state is State.OPEN:
                    self.protocol.fail(CloseCode.POLICY_VIOLATION, "Too many messages.")
                    self.send_data()
                if self.transport.get_write_buffer_size():
                    self.transport.abort()  # it is not reading: waiting for its close is futile
                return
        super().process_event(event)


def _address(connection: ServerConnection) -> str:
    remote = connection.remote_address
    return str(remote[0]) if remote else "?"
