"""Who is connected: one ``Peer`` per connection that said hello, and the registry that
sorts them into audiences and keeps the places of attendees who just dropped."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from websockets.asyncio.server import ServerConnection

from fireside_ask import protocol as p

from ..limits import Bucket

log = logging.getLogger("fireside.hub")


@dataclass(eq=False, slots=True)  # one per connection: no __dict__ each (issue 17)
class Peer:
    """One open connection after a successful ``hello``."""

    ws: ServerConnection
    role: str
    client_id: str
    name: str | None
    strikes: Bucket
    address: str = "?"
    """The remote address it connected from (per-address limits count by it)."""
    backlog_since: float | None = None
    """Monotonic time since when its backlog stayed above ``STALL_BYTES`` with no progress."""
    queued: int = 0
    """Bytes of messages handed to this connection so far."""
    delivered_mark: int = 0
    """Bytes known delivered (queued minus backlog) at the last stall check."""
    answering: dict[str, asyncio.Future[p.Ack | p.Error]] = field(default_factory=dict)
    """Moderator requests being handled now, by request_id: the reply records the answer."""
    rota: int = 0
    """Its place in the keepalive rota (``hub.keepalive``)."""
    pong: asyncio.Future[float] | None = None
    """The answer to the last keepalive ping it was sent, once it comes."""
    closing: bool = False
    """The keepalive found its closing handshake under way at its last turn."""


class Registry:
    """The open peers by audience, the people connected, and the places held for a while."""

    def __init__(self, max_connections: int, place_hold: float) -> None:
        self.max_connections = max_connections
        self.place_hold = place_hold
        self.peers: set[Peer] = set()
        self.moderators: set[Peer] = set()
        self.public: set[Peer] = set()
        """Attendees and stage screens: everyone who sees the public questions."""
        self.stages: set[Peer] = set()
        self.by_client: dict[str, list[Peer]] = {}
        """Each person's open connections: a list, as a person has one or two and an empty
        set costs 216 bytes to a short list's 64 (a person each, issue 17)."""
        self.attendees = 0
        """Distinct attendee client ids with at least one open connection."""
        self.peak = 0
        """The most attendees connected at once (recorded as it happens)."""
        self.held: dict[str, float] = {}
        """Attendees who left, with the monotonic time they did, oldest first: their
        places stay theirs for ``place_hold`` seconds."""

    def join(self, peer: Peer) -> None:
        """Count a peer that said hello in its audiences."""
        self.peers.add(peer)
        if peer.role == p.MODERATOR:
            self.moderators.add(peer)
        else:
            self.public.add(peer)
            if peer.role == p.STAGE:
                self.stages.add(peer)
        self.held.pop(peer.client_id, None)
        peers = self.by_client.setdefault(peer.client_id, [])
        if peer.role == p.ATTENDEE and not any(x.role == p.ATTENDEE for x in peers):
            self.attendees += 1
            # Record the peak as it happens: a peak between two ticks would be missed.
            self.peak = max(self.peak, self.attendees)
        if peer not in peers:
            peers.append(peer)
        log.debug("%s %s joined", peer.role, peer.client_id[:8])

    def leave(self, peer: Peer) -> None:
        """Forget a closed peer (twice is harmless); an attendee's place is held a while."""
        self.peers.discard(peer)
        self.moderators.discard(peer)
        self.public.discard(peer)
        self.stages.discard(peer)
        peers = self.by_client.get(peer.client_id)
        if peers is not None and peer in peers:
            peers.remove(peer)
            if peer.role == p.ATTENDEE and not any(x.role == p.ATTENDEE for x in peers):
                self.attendees -= 1
                # Keep the place for a while: a dropped Wi-Fi comes back to a full room.
                self.held.pop(peer.client_id, None)  # to the end: the newest hold
                self.held[peer.client_id] = time.monotonic()
            if not peers:
                del self.by_client[peer.client_id]

    def has_place(self, client_id: str) -> bool:
        """Whether an attendee may join: a free place, or the one it held until a moment ago.

        The places of attendees who left within ``place_hold`` seconds are kept for them,
        so the room never goes over ``max_connections`` and a newcomer cannot take the
        place of someone whose connection dropped.
        """
        cutoff = time.monotonic() - self.place_hold
        while self.held:
            oldest, since = next(iter(self.held.items()))
            if since > cutoff:
                break
            del self.held[oldest]
        held = len(self.held) - (client_id in self.held)
        return self.attendee_peers() + held < self.max_connections

    def attendee_peers(self) -> int:
        """Open attendee connections (the connection cap counts these)."""
        # Counted from the sets' sizes: every hello asks, so a walk over the room would
        # make a room filling up quadratic.
        return len(self.peers) - len(self.moderators) - len(self.stages)

    def attendee_connections(self) -> list[Peer]:
        """The attendee connections among the public (presence goes to them less often)."""
        return [x for x in self.public if x.role == p.ATTENDEE]

    def owners(self, client_id: str) -> list[Peer]:
        """The attendee connections of one person (the asker of a hidden question)."""
        return [x for x in self.by_client.get(client_id, ()) if x.role == p.ATTENDEE]
