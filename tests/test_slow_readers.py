"""A client that stops reading never holds the room: it is dropped, and memory stays bounded.

Among 500 healthy attendees, one completes the handshake and never reads again, and one
reads slowly. A moderator edits a long question over and over, so every attendee gets a
steady stream of updates (about a megabyte a second each, as measured for websockets).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import struct
import uuid
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from fireside_ask import protocol as p

from .conftest import TOKEN
from .helpers import free_port, serve, serve_command
from .wsclient import RawClient

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

HEALTHY = 500
WATCHED = 20  # full websocket clients among the healthy that check what they receive


def masked_text_frame(text: str) -> bytes:
    """One client-to-server text frame (clients must mask their frames)."""
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


class RawPeer:
    """A bare-socket websocket client: handshake and hello, then read raw bytes or not at all."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.received = 0

    @classmethod
    async def open(cls, port: int, rcvbuf: int | None = None) -> RawPeer:
        sock = socket.socket()
        if rcvbuf is not None:  # a small receive window, like a phone that went to sleep
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=sock)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert response.startswith(b"HTTP/1.1 101"), response
        hello = p.hello("attendee", uuid.uuid4().hex)
        writer.write(masked_text_frame(json.dumps(hello)))
        await writer.drain()
        return cls(reader, writer)

    async def drain_forever(self) -> None:
        while chunk := await self.reader.read(1 << 16):
            self.received += len(chunk)

    def close(self) -> None:
        self.writer.transport.abort()


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def test_stalled_reader_is_dropped_and_healthy_readers_keep_up(tmp_path: Path) -> None:
    """The attendee that stopped reading goes within 5 s; 500 others get every update."""
    port = free_port()
    log = tmp_path / "hub.log"
    command = serve_command(
        tmp_path / "slow.db",
        port,
        TOKEN,
        "--auto-approve",
        "--max-connections",
        "1000",
        "--verbose",
    )
    async with serve(command, log) as process:
        url = f"ws://127.0.0.1:{port}"
        moderator = await RawClient.open(url, role="moderator", token=TOKEN)
        question_id = (await moderator.ask("Placeholder the moderator keeps editing?"))[
            "question_id"
        ]
        stalled = await RawPeer.open(port, rcvbuf=4096)
        drainers = [await RawPeer.open(port) for _ in range(HEALTHY - WATCHED)]
        drain_tasks = [asyncio.create_task(peer.drain_forever()) for peer in drainers]
        watched = [await RawClient.open(url) for _ in range(WATCHED)]
        slow = await RawClient.open(url)
        slow_seen: list[str] = []

        async def read_slowly() -> None:
            # Reads in bursts, twice a second: slow, but it keeps up on average.
            with contextlib.suppress(ConnectionClosed):
                while True:
                    await asyncio.sleep(0.5)  # a slow reader, on purpose
                    while True:
                        try:
                            message = await slow.recv(timeout=0.01)
                        except TimeoutError:
                            break
                        if message["type"] == "question":
                            slow_seen.append(message["question"]["text"])

        latest: dict[int, str] = {}

        async def keep_reading(index: int, client: RawClient) -> None:
            with contextlib.suppress(ConnectionClosed):
                while True:
                    message = await client.recv(timeout=60)
                    if message["type"] == "question":
                        latest[index] = message["question"]["text"]

        slow_task = asyncio.create_task(read_slowly())
        watch_tasks = [
            asyncio.create_task(keep_reading(i, client)) for i, client in enumerate(watched)
        ]
        baseline_rss = rss_bytes(process.pid)
        peak_rss = baseline_rss
        loop = asyncio.get_running_loop()
        started = loop.time()
        dropped_after = None
        edits, text = 0, ""
        # Load until the stalled attendee is dropped (about 2 s on an idle machine), then
        # one second more. The bound is generous on purpose: this test proves that the
        # stalled reader is dropped and nobody else is, not how fast a busy machine is.
        while loop.time() - started < 60:
            # Ten edits in flight at a time: updates as fast as the hub commits them.
            texts = [f"{edits + i:05d} " + "é" * 480 for i in range(1, 11)]
            edits += len(texts)
            text = texts[-1]  # ~1 KB of UTF-8 per update, to everyone
            for i, edit in enumerate(texts):
                await moderator.send(
                    {
                        "type": "edit",
                        "request_id": f"e{edits}-{i}",
                        "question_id": question_id,
                        "text": edit,
                    }
                )
            for i in range(len(texts)):
                await moderator.expect("ack", timeout=10, request_id=f"e{edits}-{i}")
            peak_rss = max(peak_rss, rss_bytes(process.pid))
            if dropped_after is None and "not reading" in log.read_text(errors="replace"):
                dropped_after = loop.time() - started
            if dropped_after is not None and loop.time() - started > dropped_after + 1:
                break
        assert dropped_after is not None, "the stalled attendee was never dropped"
        assert log.read_text().count("not reading") == 1  # only the stalled one
        # Memory stays bounded: the stalled backlog is capped, nothing else grows.
        assert peak_rss - baseline_rss < 64 * 1024 * 1024

        # Every watched attendee gets the last edit, without falling behind.
        deadline = loop.time() + 30
        while any(latest.get(i) != text for i in range(WATCHED)):
            assert loop.time() < deadline, "a healthy attendee fell behind"
            await asyncio.sleep(0.05)  # polling the readers' latest text
        assert sum(peer.received for peer in drainers) > edits * 1000 * len(drainers) * 0.9
        assert slow_seen  # the slow reader keeps getting updates
        assert "Traceback" not in log.read_text()

        for task in [slow_task, *watch_tasks, *drain_tasks]:
            task.cancel()
        await asyncio.gather(slow_task, *watch_tasks, *drain_tasks, return_exceptions=True)
        for peer in [*drainers, stalled]:
            peer.close()
        # Cut, not closed: a client that no longer reads (its reader was just cancelled) has
        # its queue full and never sees the hub's close frame, so a clean close waited 10 s
        # (close_timeout) per client, one after another: past the suite's timeout on a slow
        # run. The test is about the hub, not about closing.
        for client in [*watched, slow, moderator]:
            client.ws.transport.abort()
