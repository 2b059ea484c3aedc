"""What 1,000 attendees on the page cost the hub, against 1,000 terminal attendees.

    .venv/bin/python benchmarks/bench_web_attendees.py [--attendees 1000] [--runs 3]

Each run starts a fresh ``fireside serve`` (a subprocess, so that its CPU time can be read
from /proc) and connects ``--attendees`` clients from this process, in one of two ways:

- **terminal**: a websocket with no ``Origin`` header, as ``fireside-ask`` connects;
- **browser**: what a phone does on opening the page: ``GET /``, ``GET /app.js``,
  ``GET /app.css``, then a websocket carrying the page's ``Origin`` header.

Both then say ``hello`` and read the ``welcome``; a moderator approves one question and
every attendee waits for it to arrive. The figure is the hub's CPU time (user + system)
for the joins and for that one update, the median of ``--runs`` runs per way, the two
ways alternating so that the machine's load falls on both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

from fireside_ask import protocol as p

ROOT = Path(__file__).resolve().parent.parent
FIRESIDE = Path(sys.executable).with_name("fireside")
TOKEN = "bench-web-attendees-token"
TICKS = os.sysconf("SC_CLK_TCK")


def hub_cpu(pid: int) -> float:
    """Seconds of CPU the process has used (user + system), from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def http_get(port: int, path: str) -> None:
    """One plain HTTP/1.1 request, read to the end of its body, as a browser fetches a file."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
    )
    await writer.drain()
    await reader.read()
    writer.close()
    await writer.wait_closed()


async def attendee(port: int, browser: bool) -> ClientConnection:
    """Join as a terminal client or as the page does; return the connection after welcome."""
    url = f"ws://127.0.0.1:{port}"
    if browser:
        for path in ("/", "/app.js", "/app.css"):
            await http_get(port, path)
        ws = await connect(url, origin=f"http://127.0.0.1:{port}", open_timeout=60)  # type: ignore[arg-type]
    else:
        ws = await connect(url, open_timeout=60)
    await ws.send(p.encode(p.hello("attendee", uuid.uuid4().hex)))
    while p.decode_message(await ws.recv())["type"] != "welcome":
        pass
    return ws


async def wait_for_question(ws: ClientConnection, question_id: int) -> None:
    """Read until the approved question reaches this attendee."""
    while True:
        message = p.decode_message(await ws.recv())
        if message["type"] == "question" and message["question"]["id"] == question_id:
            return


async def one_run(attendees: int, browser: bool) -> tuple[float, float]:
    """(hub CPU seconds for the joins, for the one update) with a fresh hub."""
    with tempfile.TemporaryDirectory() as tmp:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        # Popen returns at once; the hub is waited for below with /healthz, not blocked on.
        hub = subprocess.Popen(  # noqa: ASYNC220
            [
                str(FIRESIDE),
                "serve",
                "--db",
                f"{tmp}/b.db",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--token",
                TOKEN,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    await http_get(port, "/healthz")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.1)
            moderator = await connect(f"ws://127.0.0.1:{port}")
            await moderator.send(p.encode(p.hello("moderator", uuid.uuid4().hex, token=TOKEN)))
            await moderator.recv()
            asker = await attendee(port, browser=False)
            await asker.send(p.encode({"type": "ask", "request_id": "q1", "text": "Slides?"}))
            question_id = None
            while question_id is None:
                message = p.decode_message(await asker.recv())
                if message["type"] == "ack":
                    question_id = int(message["question_id"])  # type: ignore[typeddict-item]
            before = hub_cpu(hub.pid)
            crowd: list[ClientConnection] = []
            for start in range(0, attendees, 100):  # a room filling up, 100 at a time
                crowd += await asyncio.gather(
                    *(attendee(port, browser) for _ in range(min(100, attendees - start)))
                )
            joined = hub_cpu(hub.pid)
            waits = [asyncio.ensure_future(wait_for_question(ws, question_id)) for ws in crowd]
            await moderator.send(
                p.encode({"type": "approve", "request_id": "a1", "question_id": question_id})
            )
            await asyncio.wait_for(asyncio.gather(*waits), 120)
            updated = hub_cpu(hub.pid)
            for ws in [*crowd, asker, moderator]:
                await ws.close()
            return joined - before, updated - joined
        finally:
            hub.terminate()
            hub.wait(30)


async def main(attendees: int, runs: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * attendees + 256)), hard))
    print(f"machine load at start: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    results: dict[str, list[tuple[float, float]]] = {"terminal": [], "browser": []}
    for _ in range(runs):
        for way in ("terminal", "browser"):
            results[way].append(await one_run(attendees, browser=way == "browser"))
    for way, rows in results.items():
        joins = [r[0] for r in rows]
        updates = [r[1] for r in rows]
        print(
            f"{way:8}  {attendees} joins: hub CPU {[round(j, 2) for j in joins]} s, "
            f"median {statistics.median(joins):.2f} s; one update to all: "
            f"{[round(u * 1000) for u in updates]} ms, "
            f"median {statistics.median(updates) * 1000:.0f} ms"
        )
    print(f"machine load at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attendees", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    asyncio.run(main(options.attendees, options.runs))
