"""Keepalive for the whole room: one rota of pings, spread evenly over the interval.

websockets pings each connection from a task of its own, ``ping_interval`` after the
connection opened, so connections that open together ping together for good: a room
reconnecting after a restart, or the handshakes that one turn of the event loop completes
while a room fills. In a room of 5,000 filled by the benchmark, 725 pings went out in one
turn of the loop (15 ms) and their pongs came back in the next (10 ms), every 20 s, and
the asks that arrived meanwhile waited for both (docs/performance.md, issue 17).

Here each peer takes the next of ``interval / step`` places in a rota as it joins, and
every ``step`` (the hub's tick) the peers of one place are pinged: 5,000 peers make about
63 pings a tick however they arrived. A peer that has not answered the ping of its previous
turn, one interval earlier, is dropped, as websockets' ``ping_timeout`` of the same length
did. A connection also no longer carries websockets' keepalive task, timer and future.

A ping never waits, because a beat runs inside the hub's tick (the vote and presence pushes,
the stall check): ``ping()`` waits for the buffer to drain while writing is paused, and for
the close to finish once a closing handshake has begun (up to ``close_timeout``, 5 s). Paused
peers are skipped (a reader that stopped is the stall check's); a closing one is left to
finish, and cut at its next turn if it has not: websockets' keepalive was what cut a close
that a client never completed (a flood closed for its frame budget, then silent).
"""

from __future__ import annotations

import asyncio
import logging

from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from .peers import Peer

log = logging.getLogger("fireside.hub")

BEAT_LIMIT = 1.0
"""Seconds a beat may take before the rest of its peers wait for their next turn: a safety
net only (a ping does not wait, see above); a beat's turns of the loop can take a while
when the loop is busy, and the tick's pushes must go on."""
PINGS_PER_TURN = 16
"""Pings sent between two turns of the event loop: a beat to 63 peers (a room of 5,000) took
2-4 ms in one go, as long as the asks that arrived meanwhile waited (issue 17)."""


class Keepalive:
    """Pings every peer once per ``interval``, a slice of the room at each ``beat``."""

    def __init__(self, interval: float, step: float) -> None:
        self.interval = interval
        self.rota: list[set[Peer]] = [set() for _ in range(max(1, round(interval / step)))]
        """The peers pinged at each beat, by turn: newcomers fill the places in order."""
        self._next = 0
        """The place the next peer to join takes."""
        self._turn = 0
        """The place pinged at the next beat."""
        self.beats = 0
        """Beats so far."""

    def add(self, peer: Peer) -> None:
        """Give a peer that said hello its place in the rota."""
        peer.rota = self._next
        self.rota[self._next].add(peer)
        self._next = (self._next + 1) % len(self.rota)

    def remove(self, peer: Peer) -> None:
        """Take a peer that left out of the rota (twice is harmless)."""
        self.rota[peer.rota].discard(peer)

    async def beat(self) -> None:
        """Ping the peers whose turn it is; drop those that left the last ping unanswered."""
        place = self.rota[self._turn]
        self._turn = (self._turn + 1) % len(self.rota)
        self.beats += 1
        try:
            async with asyncio.timeout(BEAT_LIMIT):
                await self._ping(list(place))
        except TimeoutError:
            log.warning("a keepalive beat was cut short after %.1f s", BEAT_LIMIT)

    async def _ping(self, peers: list[Peer]) -> None:
        for index, peer in enumerate(peers):
            if index and not index % PINGS_PER_TURN:
                await asyncio.sleep(0)  # an ask that arrived meanwhile is answered first
            ws, transport = peer.ws, peer.ws.transport
            if transport is None or transport.is_closing():
                continue
            if ws.protocol.state is not State.OPEN:
                if peer.closing:
                    log.warning(
                        "dropped %s %s: its closing handshake did not finish",
                        peer.role,
                        peer.client_id[:8],
                    )
                    transport.abort()
                peer.closing = True
                continue
            if peer.pong is not None and not peer.pong.done():
                log.warning(
                    "dropped %s %s: no answer to a ping for %.0f s",
                    peer.role,
                    peer.client_id[:8],
                    self.interval,
                )
                transport.abort()
                continue
            if ws.paused:
                continue  # ping() would wait for the drain; not reading is the stall check's
            try:
                # A future already (typed as an awaitable): ensure_future returns it as is.
                peer.pong = asyncio.ensure_future(await ws.ping())
            except ConnectionClosed:
                continue
