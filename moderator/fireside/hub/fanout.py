"""Sending: fan-out that never waits on the slowest client, and stall detection.

Each message is encoded once per audience and handed to ``websockets.broadcast``, which
writes without waiting. Before writing, any connection whose write buffer is over
``write_buffer_limit`` is aborted, because a client that stopped reading would otherwise make
the buffer grow without bound (the keepalive ping cannot evict it: the ping waits behind the
same full buffer).

Fan-out to a large audience goes out in slices of ``fanout_slice`` connections, and after
``fanout_budget`` seconds of writing the event loop gets a turn: writing to 5,000 sockets
holds the loop for 100 ms or more, and an ask's ack would wait behind all of it. A budget
of time rather than a count of connections bounds that wait however slow the writes are
(a loaded machine), and spends fewer turns when they are fast. Pushes keep their order (one
queue); a direct reply to one connection never waits behind the queue.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import struct
import sys
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import broadcast

from fireside_ask import protocol as p

from .config import STALL_BYTES
from .peers import Peer

log = logging.getLogger("fireside.hub")

try:
    import fcntl
    import termios

    _SIOCOUTQ: int | None = termios.TIOCOUTQ if sys.platform == "linux" else None
except ImportError:  # pragma: no cover - Windows
    _SIOCOUTQ = None


def kernel_backlog(transport: asyncio.BaseTransport) -> int:
    """Bytes the kernel still holds for this socket: unsent, or sent but not acknowledged.

    A client that stops reading closes its TCP window, so our data piles up here long
    before asyncio's own buffer grows (loopback buffers hold megabytes). Linux only
    (SIOCOUTQ); elsewhere 0, and the asyncio buffer alone decides.
    """
    sock = transport.get_extra_info("socket")
    if sock is None or _SIOCOUTQ is None:
        return 0
    try:
        raw = fcntl.ioctl(sock.fileno(), _SIOCOUTQ, b"\0\0\0\0")
    except OSError:
        return 0
    return int(struct.unpack("i", raw)[0])


@dataclass(eq=False)
class Fanout:
    """Writes frames to peers without waiting; large pushes go out in slices, in order."""

    fanout_slice: int
    write_buffer_limit: int
    stall_timeout: float
    fanout_budget: float = 0.0
    watched: set[Peer] = field(default_factory=set, init=False)
    """Peers handed more than ``STALL_BYTES`` since their last known progress: the only
    ones the stall check looks at (walking all 5,000 peers four times a second held the
    loop for 1.5-3 ms each time, issue 17)."""
    _queue: collections.deque[tuple[list[Peer], bytes, int]] = field(
        default_factory=collections.deque, init=False
    )
    """Pushes still going out in slices, oldest first: (peers, frame, next index)."""
    task: asyncio.Task[None] | None = field(default=None, init=False)

    def push(self, peers: Iterable[Peer], message: Mapping[str, Any]) -> None:
        """Send one message to many peers without waiting; drop any that stopped reading.

        Encoded once for all of them. A small audience with nothing queued before it is
        written to at once; otherwise the push joins the queue that goes out in slices.
        """
        data = p.encode(message).encode("utf-8")
        targets = list(peers)
        if not self._queue and len(targets) <= self.fanout_slice:
            self.send(targets, data)
            return
        self._queue.append((targets, data, 0))
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(
                self._drain(), name="fireside-fanout"
            )

    async def _drain(self) -> None:
        """Write queued pushes a slice at a time, yielding to the loop once the budget is spent."""
        try:
            while self._queue:
                spent_at = time.perf_counter() + self.fanout_budget
                while self._queue:
                    targets, data, start = self._queue[0]
                    end = start + max(1, self.fanout_slice)
                    self.send(targets[start:end], data)
                    if end < len(targets):
                        self._queue[0] = (targets, data, end)
                    else:
                        self._queue.popleft()
                    if time.perf_counter() >= spent_at:
                        break
                # Let acks and reads run; a peer that left in the meantime has a closing
                # transport and is skipped by ``send``.
                await asyncio.sleep(0)
        finally:
            self.task = None

    def send(self, peers: Iterable[Peer], data: bytes) -> None:
        """Write one encoded frame to each peer now; drop any that stopped reading."""
        ready = []
        limit = self.write_buffer_limit
        for peer in peers:
            transport = peer.ws.transport
            if transport is None or transport.is_closing():
                continue
            if transport.get_write_buffer_size() > limit:
                log.warning("dropped %s %s: it stopped reading", peer.role, peer.client_id[:8])
                transport.abort()
                self.watched.discard(peer)
                continue
            ready.append(peer.ws)
            self.count(peer, len(data))
        broadcast(ready, data, text=True)

    def count(self, peer: Peer, size: int) -> None:
        """Record ``size`` more bytes handed to ``peer``; watch it once that may be a stall."""
        peer.queued += size
        if peer.queued - peer.delivered_mark > STALL_BYTES:
            self.watched.add(peer)

    def reply(self, peer: Peer, message: p.Ack | p.Error | p.Pong) -> None:
        """Answer one request of ``peer`` at once, ahead of any fan-out still going out in
        slices (and remember the answer if a resend may ask)."""
        request_id = message["request_id"]
        if request_id is not None and message["type"] != "pong":
            future = peer.answering.get(request_id)
            if future is not None and not future.done():
                future.set_result(message)
        self.send((peer,), p.encode(message).encode("utf-8"))

    def drop_stalled(self, peers: Collection[Peer], now: float | None = None) -> None:
        """Abort connections that stopped reading, before their backlog eats the memory.

        The keepalive ping cannot find them: it waits behind the same full buffer. A
        connection goes when asyncio's buffer for it passes ``write_buffer_limit``, or when
        its backlog (asyncio's buffer plus what the kernel holds unacknowledged) stays
        above ``STALL_BYTES`` for ``stall_timeout`` seconds without a single byte more
        being delivered. A slow reader that makes progress stays. A dropped client that
        is alive reconnects and gets everything again in its welcome.
        """
        now = time.monotonic() if now is None else now
        # Only watched peers: any other has had at most STALL_BYTES handed to it since its
        # last progress, so its backlog cannot be over the line.
        for peer in list(self.watched):
            transport = peer.ws.transport
            if peer not in peers or transport is None or transport.is_closing():
                self.watched.discard(peer)
                continue
            buffered = transport.get_write_buffer_size()
            backlog = buffered + kernel_backlog(transport)
            delivered = peer.queued - backlog
            if backlog <= STALL_BYTES or delivered > peer.delivered_mark:
                peer.backlog_since, peer.delivered_mark = None, delivered
                if peer.queued - delivered <= STALL_BYTES:
                    self.watched.discard(peer)
                continue
            if peer.backlog_since is None:
                peer.backlog_since = now
                log.debug(
                    "%s %s stopped making progress with %d bytes waiting",
                    peer.role,
                    peer.client_id[:8],
                    backlog,
                )
            if buffered > self.write_buffer_limit or now - peer.backlog_since > self.stall_timeout:
                log.warning(
                    "dropped %s %s: not reading (%d bytes waiting)",
                    peer.role,
                    peer.client_id[:8],
                    backlog,
                )
                transport.abort()
                self.watched.discard(peer)
