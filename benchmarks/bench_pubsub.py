"""Fan-out over Redis pub/sub on loopback: the measured input of docs/scaling.md.

    .venv/bin/python benchmarks/bench_pubsub.py --runs 3     # needs redis-server (Debian)

In the scale-out design a primary publishes each push once and every edge process (which
holds its share of the attendee sockets) receives it from Redis and writes it to its own
sockets. This measures the hop that design adds: a private ``redis-server`` on a free
loopback port (no persistence), ``--edges`` subscriber connections and one publisher,
speaking RESP directly over asyncio (no client library), each in its own process like the
real edges would be.

- latency: ``--rate`` messages per second for ``--seconds``, each stamped when published;
  publish → arrival at every edge, p50 / p99 / max;
- throughput: ``--burst`` messages published back to back; messages per second until the
  last edge has them all.

Messages are ``--size`` bytes, about one ``question`` push. Prints one line per run, the
medians and a JSON. Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

HOST = "127.0.0.1"
CHANNEL = b"fireside:room"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def redis_server() -> Iterator[int]:
    """A private redis-server on a free loopback port, without persistence."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise LookupError("redis-server is not installed (Debian: apt-get install redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as tmp:
        command = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--dir", tmp]
        process = subprocess.Popen(
            [*command, "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.2):
                    break
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)
            yield port
        finally:
            process.terminate()
            process.wait(10)


def command(*parts: bytes) -> bytes:
    """One RESP command (an array of bulk strings)."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        out.append(b"$%d\r\n%s\r\n" % (len(part), part))
    return b"".join(out)


async def read_message(reader: asyncio.StreamReader) -> list[bytes]:
    """One RESP array of bulk strings or integers (what SUBSCRIBE and pushes send)."""
    header = await reader.readline()
    assert header[:1] == b"*", header
    items = []
    for _ in range(int(header[1:])):
        line = await reader.readline()
        if line[:1] == b"$":
            data = await reader.readexactly(int(line[1:]) + 2)
            items.append(data[:-2])
        else:
            items.append(line[1:-2])
    return items


def edge(port: int, expected: int, ready: Connection, done: Connection) -> None:
    """An edge process: subscribe, then stamp every message until ``expected`` arrived."""

    async def run() -> list[tuple[int, float]]:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(command(b"SUBSCRIBE", CHANNEL))
        await read_message(reader)  # the subscription's confirmation
        ready.send(True)
        stamps = []
        for _ in range(expected):
            message = await asyncio.wait_for(read_message(reader), 60)
            stamps.append((int(message[2][:12]), time.time()))
        writer.close()
        return stamps

    done.send(asyncio.run(run()))


def phase(port: int, edges: int, count: int, rate: float, size: int) -> dict[str, Any]:
    """Publish ``count`` messages (``rate`` per second; 0 = back to back) to ``edges``."""
    context = mp.get_context("spawn")
    pipes, processes = [], []
    for _ in range(edges):
        ready_mine, ready_theirs = context.Pipe()
        done_mine, done_theirs = context.Pipe()
        process = context.Process(
            target=edge, args=(port, count, ready_theirs, done_theirs), daemon=True
        )
        process.start()
        pipes.append((ready_mine, done_mine))
        processes.append(process)
    for ready, _ in pipes:
        if not ready.poll(30):
            raise RuntimeError("an edge did not subscribe")
        ready.recv()
    sent: dict[int, float] = {}

    async def publish() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        start = time.time()
        for number in range(count):
            if rate:
                delay = start + number / rate - time.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            payload = b"%012d" % number + b"x" * (size - 12)
            sent[number] = time.time()
            writer.write(command(b"PUBLISH", CHANNEL, payload))
            if rate or number % 64 == 63:
                await writer.drain()
        await writer.drain()
        for _ in range(count):  # the replies (subscriber counts), so nothing is cut short
            await reader.readline()
        writer.close()

    asyncio.run(publish())
    delays, last = [], 0.0
    for (_, done), process in zip(pipes, processes, strict=True):
        if not done.poll(90):
            raise RuntimeError("an edge did not receive every message")
        for number, arrived in done.recv():
            delays.append(arrived - sent[number])
            last = max(last, arrived)
        process.join(10)
    delays.sort()
    return {
        "p50_ms": 1000 * delays[len(delays) // 2],
        "p99_ms": 1000 * delays[min(len(delays) - 1, int(len(delays) * 0.99))],
        "max_ms": 1000 * delays[-1],
        "per_s": count / max(1e-9, last - min(sent.values())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--edges", type=int, default=4, help="subscriber processes")
    parser.add_argument("--rate", type=float, default=100.0, help="messages/s, latency phase")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--burst", type=int, default=20000, help="messages, throughput phase")
    parser.add_argument("--size", type=int, default=400, help="bytes per message")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: the smoke test")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.edges, args.seconds, args.burst = 1, 2, 0.5, 200
    if shutil.which("redis-server") is None:
        # `make bench` runs everything: say plainly that this one measured nothing.
        print("bench_pubsub: skipped, redis-server is not installed (apt-get install redis-server)")
        return
    results = []
    with redis_server() as port:
        for run in range(args.runs):
            latency = phase(port, args.edges, int(args.rate * args.seconds), args.rate, args.size)
            burst = phase(port, args.edges, args.burst, 0, args.size)
            figures = {
                "latency_p50_ms": latency["p50_ms"],
                "latency_p99_ms": latency["p99_ms"],
                "latency_max_ms": latency["max_ms"],
                "burst_per_s": burst["per_s"],
                "burst_p99_ms": burst["p99_ms"],
            }
            results.append(figures)
            print(f"run {run + 1}: " + ", ".join(f"{k}={v:.2f}" for k, v in figures.items()))
    medians = {key: statistics.median(r[key] for r in results) for key in results[0]}
    report = {"edges": args.edges, "size": args.size, "runs": args.runs, "median": medians}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
