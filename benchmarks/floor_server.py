"""The floor: the least a ``websockets`` server can do for the load generator.

    .venv/bin/python benchmarks/floor_server.py --port 0

It speaks just enough of the Fireside protocol for ``loadgen.py`` to drive it exactly as it
drives the hub, and nothing else: no database, no rules, no rate limits, no views.

- ``hello`` gets a small ``welcome``;
- ``ask`` gets an ``ack`` with a new question id at once (nothing is written anywhere);
- ``vote`` gets an ``ack`` and marks the count dirty; every 0.25 s the dirty counts go to
  everyone in one ``websockets.broadcast()`` (the same coalescing as the hub);
- a moderator's ``approve`` (or any other question action) gets an ``ack`` and a
  ``question`` message of the hub's shape, broadcast to everyone with ``broadcast()``.

Same server settings as the hub: compression off, the same keepalive, the default listen
backlog. ``bench_hub.py`` runs it back to back with the hub so that every hub figure can be
read against what the bare library does on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import resource
import signal
import time
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

ACTIONS = frozenset({"approve", "reject", "on_air", "answered", "pin", "edit", "topic", "merge"})


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class Floor:
    def __init__(self, max_connections: int) -> None:
        self.max_connections = max_connections
        self.everyone: set[ServerConnection] = set()
        self.handshakes = 0
        self.ids = itertools.count(1)
        self.texts: dict[int, str] = {}
        self.counts: dict[int, int] = {}
        self.dirty: set[int] = set()

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if len(self.everyone) + self.handshakes >= self.max_connections:
            return connection.respond(503, "full\n")
        return None

    async def handle(self, ws: ServerConnection) -> None:
        self.handshakes += 1
        try:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
        except (TimeoutError, ConnectionClosed, ValueError):
            return
        finally:
            self.handshakes -= 1
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            await ws.close(1008, "hello first")
            return
        role = hello.get("role", "attendee")
        await ws.send(
            encode(
                {
                    "type": "welcome",
                    "protocol": 1,
                    "server": "floor",
                    "role": role,
                    "client_id": hello.get("client_id"),
                    "questions": [],
                }
            )
        )
        self.everyone.add(ws)
        try:
            async for frame in ws:
                await self.dispatch(ws, role, json.loads(frame))
        except ConnectionClosed:
            pass
        finally:
            self.everyone.discard(ws)

    async def dispatch(self, ws: ServerConnection, role: str, message: dict[str, Any]) -> None:
        kind, request_id = message.get("type"), message.get("request_id")
        if kind == "ask":
            question_id = next(self.ids)
            self.texts[question_id] = str(message.get("text", ""))
            await ws.send(
                encode(
                    {
                        "type": "ack",
                        "request_id": request_id,
                        "question_id": question_id,
                        "state": "pending",
                    }
                )
            )
        elif kind == "vote":
            question_id = int(message.get("question_id", 0))
            step = 1 if message.get("up", True) else -1
            self.counts[question_id] = self.counts.get(question_id, 0) + step
            self.dirty.add(question_id)
            await ws.send(
                encode(
                    {
                        "type": "ack",
                        "request_id": request_id,
                        "question_id": question_id,
                        "up": step > 0,
                        "votes": self.counts[question_id],
                    }
                )
            )
        elif kind in ACTIONS and role == "moderator":
            question_id = int(message.get("question_id", 0))
            await ws.send(
                encode({"type": "ack", "request_id": request_id, "question_id": question_id})
            )
            question = {
                "id": question_id,
                "text": self.texts.get(question_id, ""),
                "state": "approved",
                "votes": self.counts.get(question_id, 0),
                "pinned": False,
                "topic": None,
                "name": None,
                "created_at": time.time(),
                "segment": None,
                "on_air_at": None,
                "answered_at": None,
                "merged_into": None,
            }
            broadcast(self.everyone, encode({"type": "question", "question": question}))
        elif kind == "ping":
            await ws.send(encode({"type": "pong", "request_id": request_id}))
        else:
            await ws.send(
                encode(
                    {
                        "type": "error",
                        "request_id": request_id,
                        "code": "unknown_type",
                        "message": "The floor does not know that.",
                    }
                )
            )

    async def tick(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            if self.dirty:
                dirty, self.dirty = self.dirty, set()
                counts = {str(q): self.counts[q] for q in sorted(dirty)}
                broadcast(self.everyone, encode({"type": "votes", "counts": counts}))


async def main(args: argparse.Namespace) -> None:
    floor = Floor(args.max_connections)
    async with serve(
        floor.handle,
        args.host,
        args.port,
        process_request=floor.process_request,
        compression=None,
        max_size=args.max_frame,
        max_queue=16,
        ping_interval=20,
        ping_timeout=20,
        close_timeout=5,
        **({"backlog": args.backlog} if args.backlog else {}),
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"floor listening on port {port}", flush=True)
        ticker = asyncio.create_task(floor.tick(args.push_interval))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await asyncio.wait_for(stop.wait(), args.lifetime)
        except TimeoutError:
            print("floor: lifetime over, stopping", flush=True)
        ticker.cancel()


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766, help="0 picks a free one")
    parser.add_argument("--max-connections", type=int, default=5000)
    parser.add_argument("--max-frame", type=int, default=4096)
    parser.add_argument("--push-interval", type=float, default=0.25)
    parser.add_argument(
        "--backlog", type=int, default=0, help="listen backlog (default: asyncio's, 100)"
    )
    parser.add_argument(
        "--lifetime", type=float, default=3600.0, help="stop by itself after this many seconds"
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.max_connections + 1024
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    asyncio.run(main(args))


if __name__ == "__main__":
    cli()
