"""The hub's keepalive: a peer that stops answering pings goes; a room that arrived at once
is pinged a slice at a time, not all in one turn of the event loop (issue 17)."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from typing import Any

import pytest

from fireside.hub import Hub
from fireside.hub.peers import Peer

from .helpers import configure, until
from .wsclient import RawClient

pytestmark = pytest.mark.anyio

Connect = Callable[..., Any]


def peer_of(hub: Hub, client: RawClient) -> Peer:
    (peer,) = (x for x in hub.registry.peers if x.client_id == client.welcome["client_id"])
    return peer


@configure(ping_interval=1.0)
async def test_a_peer_that_never_answers_a_ping_is_dropped_and_a_live_one_stays(
    hub: Hub, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    """One attendee's machine goes silent (it reads nothing more, so it answers no ping);
    the hub drops it about one interval after the ping it left unanswered. An attendee
    that answers is pinged again and again and stays."""
    caplog.set_level(logging.WARNING, logger="fireside.hub")
    live: RawClient = await connect()
    silent: RawClient = await connect()
    silent_peer, live_peer = peer_of(hub, silent), peer_of(hub, live)
    silent.ws.transport.pause_reading()

    await until(lambda: silent_peer.pong is not None, within=5, what="a ping to the silent one")
    await until(lambda: silent_peer not in hub.registry.peers, within=5, what="the drop")
    assert "no answer to a ping" in caplog.text
    silent.ws.transport.resume_reading()  # so that it sees the drop (the test's teardown)

    answered = live_peer.pong
    assert answered is not None and answered.done() and not answered.cancelled()
    await until(lambda: live_peer.pong is not answered, within=5, what="another ping")
    await until(lambda: live_peer.pong is not None and live_peer.pong.done(), within=5)
    assert live_peer in hub.registry.peers
    assert (await live.ask("Still here after the pings?"))["type"] == "ack"


@configure(ping_interval=2.0)
async def test_a_room_that_arrived_at_once_is_pinged_a_slice_at_a_time(
    hub: Hub, connect: Connect
) -> None:
    """Forty attendees connect at the same moment. websockets alone would ping all forty in
    one turn of the loop, every interval; the hub's rota pings at most its share at each
    beat (8 places here), and every one of them within one interval."""
    clients = await asyncio.gather(*(connect() for _ in range(40)))
    peers = [peer_of(hub, client) for client in clients]
    places = len(hub.keepalive.rota)
    assert places == 8
    first_ping: dict[int, int] = {}  # peer index -> beat at which its first ping was seen
    start = hub.keepalive.beats

    def seen() -> bool:
        for index, peer in enumerate(peers):
            if peer.pong is not None and index not in first_ping:
                first_ping[index] = hub.keepalive.beats
        return len(first_ping) == len(peers)

    await until(seen, within=10, what="a ping to every attendee")
    per_beat = [list(first_ping.values()).count(beat) for beat in set(first_ping.values())]
    assert max(per_beat) <= math.ceil(len(peers) / places), per_beat
    assert max(first_ping.values()) - start <= places + 1
    assert all(peer in hub.registry.peers for peer in peers)


@configure(ping_interval=1.0)
async def test_a_connection_left_half_closed_neither_holds_the_pushes_nor_stays(
    hub: Hub, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    """A client floods frames, the hub closes it for its frame budget, and the client keeps
    the socket open without reading: the hub's tick (votes, presence, stall checks, pings)
    keeps its pace meanwhile, and the half-closed connection is cut at a later turn."""
    caplog.set_level(logging.WARNING, logger="fireside.hub")
    live: RawClient = await connect()
    flooder: RawClient = await connect()
    flooder_peer = peer_of(hub, flooder)
    for _ in range(hub.config.frames_burst + 5):
        flooder.ws.protocol.send_ping(b"x")  # control frames spend the budget too
    flooder.ws.send_data()
    flooder.ws.transport.pause_reading()  # it never reads the hub's close
    await until(lambda: flooder_peer.closing, within=5, what="a beat finding it closing")

    start = hub.keepalive.beats
    await until(lambda: hub.keepalive.beats >= start + 8, within=5, what="eight more beats")
    await until(lambda: flooder_peer not in hub.registry.peers, within=5, what="the cut")
    assert "closing handshake did not finish" in caplog.text
    assert "cut short" not in caplog.text
    flooder.ws.transport.resume_reading()
    assert peer_of(hub, live) in hub.registry.peers
