"""Load generator: thousands of attendee connections, spread over worker processes.

    .venv/bin/python benchmarks/loadgen.py ws://127.0.0.1:8765 --connections 500 --token T

Each worker process runs its own event loop with its share of the connections, so that the
generator is not the bottleneck. A connection speaks the real wire protocol (``hello``,
``ask``, ``vote``) over a bare RFC 6455 client written on asyncio's protocol API: a received
frame costs a few microseconds, and every frame is stamped with ``time.time()`` the moment
it arrives, before it is parsed. ``bench_hub.py`` drives the same generator against the hub
and against the floor server (``floor_server.py``) and turns the stamps into figures.

The parent process (``LoadGen``) sends each worker one command at a time over a pipe and
waits for the answer; every command has a time bound, and an idle worker exits by itself.
Run standalone (this file's ``main``), it connects, measures one update reaching everyone
(when given the moderator token), and a short burst of asks.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import json
import multiprocessing as mp
import os
import random
import resource
import statistics
import struct
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

try:  # the C version, as websockets itself uses
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - a build without the extension
    from websockets.utils import apply_mask

from fireside_ask import protocol as p

#: A worker that gets no command for this long assumes its parent is gone and exits.
IDLE_EXIT = 900.0

#: What an audience at a talk on open-source LLMs asks; ``question_text`` rewords them.
QUESTIONS = [
    "Is Qwen now ahead of Llama for most practical tasks?",
    "How do you evaluate an open model before putting it in production?",
    "What does it cost to self-host a 70B model compared to paying for an API?",
    "Which licence should a startup look for before fine-tuning a model?",
    "How much does quantisation hurt quality on reasoning benchmarks?",
    "Can European companies use Chinese open-weight models under the AI Act?",
    "What hardware do you need to serve DeepSeek with acceptable latency?",
    "Are benchmark results still meaningful when the test sets leak into training data?",
    "How do you keep a RAG pipeline from citing outdated documents?",
    "When is fine-tuning worth it instead of better prompting?",
    "Will Meta keep releasing open weights now that other labs are catching up?",
    "How do you monitor hallucinations once agents run unattended?",
    "What is the smallest model that still handles tool calling reliably?",
    "Do open models close the gap on coding assistants this year?",
    "How should a team version prompts, models and evaluation data together?",
    "What are the security risks of running third-party weights on our own GPUs?",
    "How do you handle multilingual users with a mostly English model?",
    "Is mixture of experts worth the memory overhead for on-prem inference?",
    "How do you measure bias in a model you did not train yourself?",
    "Which inference server would you pick today, vLLM or llama.cpp?",
    "How do you budget GPU capacity when traffic is spiky?",
    "What changed for open models after the DeepSeek release?",
    "Should small teams train their own embeddings or reuse public ones?",
    "How long until open models match proprietary ones on long context?",
    "What do you log from production traffic to improve the model later?",
    "How do you explain model risk to a compliance team?",
    "Can distillation give us a fast model without losing too much accuracy?",
    "How do you test an agent that calls external APIs without breaking things?",
    "Is synthetic training data a trap or a shortcut?",
    "What would you do differently if you started your LLM platform today?",
    "How do open models handle structured output compared to GPT-4?",
    "Where do you see the biggest waste of money in LLM projects?",
]
_OPENERS = ["", "", "", "Quick question: ", "Thanks for the talk! ", "Follow-up: ", "Hi, "]


def question_text(rng: random.Random, number: int) -> str:
    """A realistic question: one of ``QUESTIONS``, reworded a little, sometimes asked again."""
    words = rng.choice(QUESTIONS).split()
    if len(words) > 6 and rng.random() < 0.5:
        del words[rng.randrange(len(words) - 1)]
    text = rng.choice(_OPENERS) + " ".join(words)
    return text.lower() if rng.random() < 0.3 else text


def raise_nofile(wanted: int) -> int:
    """Raise the soft open-files limit to ``wanted`` (at most the hard limit); return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return int(soft)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    """p50, p99 and max of durations given in seconds, in milliseconds."""
    return {
        "p50": percentile(values, 50) * 1000,
        "p99": percentile(values, 99) * 1000,
        "max": (max(values) if values else float("nan")) * 1000,
    }


def encode_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One final, masked client frame (RFC 6455 §5.2)."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    mask = os.urandom(4)
    return head + mask + apply_mask(payload, mask)


class Client(asyncio.Protocol):
    """One client connection: handshake, framing, requests and their answers.

    Just enough of RFC 6455 for a benchmark: it answers pings and closes, reassembles
    fragmented messages, and hands every text message, with its arrival time, to
    ``on_message``. Answers (``ack``, ``error``, ``pong``) resolve the request with the
    same ``request_id``; ``welcome`` resolves ``welcome``; the rest goes to ``on_push``.
    """

    def __init__(
        self,
        host: str,
        port: int,
        hello: dict[str, Any],
        on_push: Callable[[Client, str, dict[str, Any], float], None] | None = None,
        index: int = 0,
    ) -> None:
        loop = asyncio.get_running_loop()
        self.host, self.port, self.hello = host, port, hello
        self.client_id: str = hello["client_id"]
        self.on_push = on_push
        self.index = index
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = False
        self.fragments: list[bytes] | None = None
        self.welcome: asyncio.Future[tuple[float, dict[str, Any]]] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()
        self.pending: dict[str, asyncio.Future[tuple[float, dict[str, Any]]]] = {}
        self.status: int | None = None
        self.vote_pushes = 0
        self.last_vote_push = 0.0
        self.vote_push_gap = float("inf")
        """Shortest time between two ``votes`` pushes received while counting."""

    # --- asyncio.Protocol ----------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                f"GET / HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\nUser-Agent: fireside-loadgen\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status_line = bytes(buffer[: buffer.find(b"\r\n")])
            parts = status_line.split()
            self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            del buffer[: end + 4]
            if self.status != 101:
                self._fail(ConnectionError(f"HTTP {self.status}"))
                self._abort()
                return
            self.upgraded = True
            self.send(self.hello)
        position, size = 0, len(buffer)
        while size - position >= 2:
            first, second = buffer[position], buffer[position + 1]
            length, header = second & 0x7F, 2
            if length == 126:
                if size - position < 4:
                    break
                length, header = int.from_bytes(buffer[position + 2 : position + 4], "big"), 4
            elif length == 127:
                if size - position < 10:
                    break
                length, header = int.from_bytes(buffer[position + 2 : position + 10], "big"), 10
            if second & 0x80:  # a server never masks
                self._fail(ConnectionError("masked frame from the server"))
                self._abort()
                return
            if size - position < header + length:
                break
            payload = bytes(buffer[position + header : position + header + length])
            position += header + length
            self._frame(first & 0x0F, bool(first & 0x80), payload, now)
            if self.transport is None:
                return
        del buffer[:position]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._fail(ConnectionError("connection lost"))
        if not self.lost.done():
            self.lost.set_result(None)

    # --- frames --------------------------------------------------------------------
    def _frame(self, opcode: int, fin: bool, payload: bytes, now: float) -> None:
        if opcode == 0x9:  # ping
            self._write(encode_frame(payload, 0xA))
        elif opcode == 0x8:  # close: echo the code, then close our side
            self._write(encode_frame(payload[:2], 0x8))
            if self.transport is not None:
                self.transport.close()
        elif opcode in (0x1, 0x2):
            if fin:
                self._message(payload, now)
            else:
                self.fragments = [payload]
        elif opcode == 0x0 and self.fragments is not None:
            self.fragments.append(payload)
            if fin:
                message, self.fragments = b"".join(self.fragments), None
                self._message(message, now)

    def _message(self, data: bytes, now: float) -> None:
        # Read with json, not the protocol's checking decoder: thousands of connections share
        # this process, which must not become the bottleneck it measures. Every test client
        # (tests/wsclient.py) reads the hub's frames through ``decode_message``, so the
        # schema is checked there.
        message = json.loads(data)
        kind = message.get("type")
        if kind in ("ack", "pong", "error"):
            future = self.pending.pop(message.get("request_id"), None)
            if future is not None and not future.done():
                future.set_result((now, message))
            elif kind == "error" and not self.welcome.done():
                self.welcome.set_exception(ConnectionError(f"refused: {message.get('code')}"))
            return
        if kind == "welcome":
            if not self.welcome.done():
                self.welcome.set_result((now, message))
            return
        if self.on_push is not None:
            self.on_push(self, kind, message, now)

    # --- sending -------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def send(self, message: dict[str, Any]) -> None:
        self._write(encode_frame(json.dumps(message, separators=(",", ":")).encode()))

    def request(self, message: dict[str, Any]) -> asyncio.Future[tuple[float, dict[str, Any]]]:
        """Send a request; the future gets (arrival time, answer)."""
        future: asyncio.Future[tuple[float, dict[str, Any]]] = (
            asyncio.get_running_loop().create_future()
        )
        if self.transport is None:
            future.set_exception(ConnectionError("not connected"))
            return future
        self.pending[message["request_id"]] = future
        self.send(message)
        return future

    @property
    def live(self) -> bool:
        return (
            self.transport is not None
            and self.welcome.done()
            and not self.welcome.cancelled()
            and self.welcome.exception() is None
        )

    def _fail(self, exc: Exception) -> None:
        if not self.welcome.done():
            self.welcome.set_exception(exc)
        for future in self.pending.values():
            if not future.done():
                future.set_exception(exc)
        self.pending.clear()

    def _abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        """Close the connection with a close frame (1000)."""
        if self.transport is not None and not self.transport.is_closing():
            self._write(encode_frame(struct.pack("!H", 1000), 0x8))
            self.transport.close()


async def open_client(
    host: str,
    port: int,
    hello: dict[str, Any],
    within: float,
    on_push: Callable[[Client, str, dict[str, Any], float], None] | None = None,
    index: int = 0,
) -> tuple[Client | None, float, str]:
    """Connect, say hello and wait for the welcome: (client, seconds taken, failure)."""
    loop = asyncio.get_running_loop()
    started = time.time()
    client: Client | None = None

    def factory() -> Client:
        nonlocal client
        client = Client(host, port, hello, on_push, index)
        return client

    try:
        await asyncio.wait_for(loop.create_connection(factory, host, port), within)
        assert client is not None
        left = max(0.1, within - (time.time() - started))
        arrived, _ = await asyncio.wait_for(asyncio.shield(client.welcome), left)
    except TimeoutError:
        if client is not None:
            client._abort()
        return None, 0.0, "timeout"
    except ConnectionRefusedError:
        return None, 0.0, "refused"
    except (ConnectionError, OSError) as exc:
        if client is not None:
            client._abort()
            if client.status == 503:
                return None, 0.0, "full (503)"
        return None, 0.0, type(exc).__name__ if not str(exc) else str(exc)[:40]
    return client, arrived - started, ""


# --- worker process ----------------------------------------------------------------
class Worker:
    """One process's share of the connections, driven by commands from the parent."""

    def __init__(self, number: int, host: str, port: int, prefix: str) -> None:
        self.number, self.host, self.port, self.prefix = number, host, port, prefix
        self.clients: list[Client] = []
        self.sequence = 0
        self.request_ids = 0
        self.watch: int | None = None
        self.receipts: dict[int, float] = {}
        self.expect = 0
        self.everyone_got_it = asyncio.Event()
        self.count_from = 0.0
        self.count_until = 0.0
        self.rng = random.Random(number)

    def live(self) -> list[Client]:
        self.clients = [c for c in self.clients if c.transport is not None]
        return [c for c in self.clients if c.live]

    def on_push(self, client: Client, kind: str, message: dict[str, Any], now: float) -> None:
        if kind == "question":
            watched = self.watch is not None and message["question"].get("id") == self.watch
            if watched and client.index not in self.receipts:
                self.receipts[client.index] = now
                if len(self.receipts) >= self.expect:
                    self.everyone_got_it.set()
        elif kind == "votes" and self.count_from <= now < self.count_until:
            client.vote_pushes += 1
            if client.last_vote_push:
                gap = now - client.last_vote_push
                client.vote_push_gap = min(client.vote_push_gap, gap)
            client.last_vote_push = now

    def hello(self, client_id: str) -> dict[str, Any]:
        return dict(p.hello("attendee", client_id))

    def next_request_id(self, letter: str) -> str:
        self.request_ids += 1
        return f"{letter}{self.number}-{self.request_ids}"

    async def _open(self, client_id: str, within: float) -> tuple[Client | None, float, str]:
        self.sequence += 1
        client, took, failure = await open_client(
            self.host, self.port, self.hello(client_id), within, self.on_push, self.sequence
        )
        if client is not None:
            self.clients.append(client)
        return client, took, failure

    # --- commands ------------------------------------------------------------------
    async def connect(self, count: int, concurrency: int, within: float) -> dict[str, Any]:
        """Open ``count`` new connections, ``concurrency`` at a time, in ``within`` seconds."""
        deadline = time.time() + within
        gate = asyncio.Semaphore(max(1, concurrency))
        took: list[float] = []
        failures: collections.Counter[str] = collections.Counter()

        async def one(n: int) -> None:
            async with gate:
                left = deadline - time.time()
                if left <= 0:
                    failures["timeout"] += 1
                    return
                client_id = f"{self.prefix}w{self.number:02d}c{n:06d}"
                client, seconds, failure = await self._open(client_id, min(left, 30.0))
                if client is None:
                    failures[failure] += 1
                else:
                    took.append(seconds)

        first = len(self.clients)
        await asyncio.gather(*(one(first + i) for i in range(count)))
        return {"took": took, "failures": dict(failures), "live": len(self.live())}

    async def watch_for(self, question_id: int) -> int:
        self.watch, self.receipts = question_id, {}
        self.expect = len(self.live())
        self.everyone_got_it = asyncio.Event()
        if self.expect == 0:
            self.everyone_got_it.set()
        return self.expect

    async def collect(self, within: float) -> dict[str, Any]:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.everyone_got_it.wait(), within)
        times = list(self.receipts.values())
        missing = self.expect - len(times)
        self.watch = None
        return {"times": times, "missing": missing}

    async def asks_at_rate(
        self, rate: float, duration: float, start_at: float, within: float
    ) -> dict[str, Any]:
        """Ask at ``rate`` per second for ``duration`` from ``start_at``, round robin."""
        clients = self.live()
        latencies: list[float] = []
        question_ids: list[int] = []
        errors: collections.Counter[str] = collections.Counter()
        if not clients or rate <= 0:
            return {"latencies": latencies, "errors": {}, "question_ids": []}

        async def one(client: Client, number: int) -> None:
            request_id = self.next_request_id("a")
            text = question_text(self.rng, number)
            sent = time.time()
            future = client.request({"type": "ask", "request_id": request_id, "text": text})
            try:
                arrived, answer = await asyncio.wait_for(future, within)
            except TimeoutError:
                errors["timeout"] += 1
                return
            except ConnectionError:
                errors["closed"] += 1
                return
            if answer["type"] == "ack":
                latencies.append(arrived - sent)
                question_ids.append(answer["question_id"])
            else:
                errors[answer.get("code", "?")] += 1

        tasks = []
        for number in range(int(rate * duration)):
            delay = start_at + number / rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(one(clients[number % len(clients)], number)))
        await asyncio.gather(*tasks)
        return {"latencies": latencies, "errors": dict(errors), "question_ids": question_ids}

    async def join_while_asking(
        self,
        count: int,
        concurrency: int,
        rate: float,
        duration: float,
        start_at: float,
        within: float,
    ) -> dict[str, Any]:
        """People keep arriving while the first ones ask: from ``start_at``, open ``count``
        new connections at an even pace over ``duration`` seconds (at most ``concurrency``
        handshakes at once) while the clients already live ask at ``rate`` per second."""
        deadline = start_at + duration + within
        gate = asyncio.Semaphore(max(1, concurrency))
        took: list[float] = []
        welcomed: list[float] = []
        failures: collections.Counter[str] = collections.Counter()
        first = self.sequence

        async def one(n: int) -> None:
            await asyncio.sleep(max(0.0, start_at + n * duration / max(1, count) - time.time()))
            async with gate:
                left = deadline - time.time()
                if left <= 0:
                    failures["timeout"] += 1
                    return
                client_id = f"{self.prefix}w{self.number:02d}j{first + n:06d}"
                client, seconds, failure = await self._open(client_id, min(left, 30.0))
                if client is None:
                    failures[failure] += 1
                else:
                    took.append(seconds)
                    welcomed.append(time.time())

        # The askers are the clients live before the joins start (asks_at_rate takes them).
        asks = asyncio.ensure_future(self.asks_at_rate(rate, duration, start_at, within))
        await asyncio.sleep(0)
        await asyncio.gather(*(one(i) for i in range(count)))
        asked = await asks
        return {
            **asked,
            "took": took,
            "last_welcome": max(welcomed, default=float("nan")),
            "failures": dict(failures),
            "live": len(self.live()),
        }

    async def asks_flat_out(
        self, askers: int, duration: float, start_at: float, within: float, each: int
    ) -> dict[str, Any]:
        """``askers`` clients each ask again as soon as the previous ask is acknowledged,
        ``each`` times at most, until ``duration`` has passed."""
        clients = self.live()[:askers]
        end = start_at + duration
        acked: list[float] = []
        last = start_at
        errors: collections.Counter[str] = collections.Counter()
        await asyncio.sleep(max(0.0, start_at - time.time()))

        async def loop(client: Client) -> None:
            nonlocal last
            number = 0
            while time.time() < end and number < each:
                number += 1
                request_id = self.next_request_id("s")
                text = question_text(self.rng, number)
                sent = time.time()
                future = client.request({"type": "ask", "request_id": request_id, "text": text})
                try:
                    arrived, answer = await asyncio.wait_for(future, within)
                except (TimeoutError, ConnectionError) as exc:
                    errors[type(exc).__name__] += 1
                    return
                if answer["type"] != "ack":
                    errors[answer.get("code", "?")] += 1
                    await asyncio.sleep(0.05)
                elif arrived <= end:
                    acked.append(arrived - sent)
                    last = max(last, arrived)

        await asyncio.gather(*(loop(c) for c in clients))
        return {"latencies": acked, "errors": dict(errors), "last": last}

    async def vote_flat_out(
        self, question_ids: list[int], duration: float, start_at: float, within: float
    ) -> dict[str, Any]:
        """Every client votes up, then takes the vote back, on question after question, as
        fast as the acks come back; counts the ``votes`` pushes each client receives."""
        clients = self.live()
        end = start_at + duration
        acked = 0
        errors: collections.Counter[str] = collections.Counter()
        for client in clients:
            client.vote_pushes, client.last_vote_push = 0, 0.0
            client.vote_push_gap = float("inf")
        self.count_from, self.count_until = start_at, end
        await asyncio.sleep(max(0.0, start_at - time.time()))

        async def loop(client: Client) -> None:
            nonlocal acked
            step = 0
            while time.time() < end:
                question_id = question_ids[(client.index + step // 2) % len(question_ids)]
                up = step % 2 == 0
                step += 1
                request_id = self.next_request_id("v")
                future = client.request(
                    {"type": "vote", "request_id": request_id, "question_id": question_id, "up": up}
                )
                try:
                    arrived, answer = await asyncio.wait_for(future, within)
                except (TimeoutError, ConnectionError) as exc:
                    errors[type(exc).__name__] += 1
                    return
                if answer["type"] != "ack":
                    errors[answer.get("code", "?")] += 1
                    await asyncio.sleep(0.05)
                elif arrived <= end:
                    acked += 1

        await asyncio.gather(*(loop(c) for c in clients))
        await asyncio.sleep(max(0.0, end + 0.3 - time.time()))  # the last push of the window
        self.count_from = self.count_until = 0.0
        return {
            "acked": acked,
            "errors": dict(errors),
            "pushes": [c.vote_pushes for c in clients],
            "min_gap": min((c.vote_push_gap for c in clients), default=float("inf")),
        }

    async def storm(self, count: int, start_at: float, within: float) -> dict[str, Any]:
        """At ``start_at`` drop ``count`` connections at once and reconnect them all at once
        (same ``client_id``); report when each got its welcome."""
        leaving = self.live()[:count]
        await asyncio.sleep(max(0.0, start_at - time.time()))
        for client in leaving:
            client._abort()
        results = await asyncio.gather(*(self._open(c.client_id, within) for c in leaving))
        failures = collections.Counter(failure for client, _, failure in results if client is None)
        welcomed = [c.welcome.result()[0] for c, _, _ in results if c is not None]
        return {"welcomed": welcomed, "failures": dict(failures)}

    async def close_all(self) -> int:
        clients = [c for c in self.clients if c.transport is not None]
        for client in clients:
            client.close()
        waiting = [c.lost for c in clients]
        if waiting:
            await asyncio.wait(waiting, timeout=10)
        for client in clients:
            client._abort()
        self.clients = []
        return len(clients)

    async def status(self) -> dict[str, Any]:
        return {"live": len(self.live()), "pid": os.getpid()}


def _worker_main(number: int, pipe: Connection, host: str, port: int, prefix: str) -> None:
    raise_nofile(65536)

    async def serve() -> None:
        worker = Worker(number, host, port, prefix)
        loop = asyncio.get_running_loop()
        reader = ThreadPoolExecutor(max_workers=1)

        def receive() -> Any:
            return pipe.recv() if pipe.poll(IDLE_EXIT) else ("stop", {})

        while True:
            try:
                command, kwargs = await loop.run_in_executor(reader, receive)
            except EOFError:
                command, kwargs = "stop", {}
            if command == "stop":
                await worker.close_all()
                reader.shutdown(wait=False)
                return
            try:
                result: Any = await getattr(worker, command)(**kwargs)
            except Exception as exc:  # report, never hang the parent
                result = {"exception": f"{type(exc).__name__}: {exc}"}
            pipe.send(result)

    asyncio.run(serve())


# --- parent side -------------------------------------------------------------------
class LoadGen:
    """The parent's handle on the worker processes."""

    def __init__(self, host: str, port: int, workers: int = 4, prefix: str = "lg") -> None:
        self.host, self.port, self.prefix = host, port, prefix
        self.count = max(1, workers)
        self.pipes: list[Connection] = []
        self.processes: list[mp.process.BaseProcess] = []
        self.pool = ThreadPoolExecutor(max_workers=self.count)

    def start(self) -> None:
        # spawn, not fork: a forked child would share the parent's event loop descriptors.
        context = mp.get_context("spawn")
        for number in range(self.count):
            mine, theirs = context.Pipe()
            process = context.Process(
                target=_worker_main,
                args=(number, theirs, self.host, self.port, self.prefix),
                daemon=True,
            )
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    async def each(self, command: str, kwargs: list[dict[str, Any]], within: float) -> list[Any]:
        """Send one command to every worker (its own arguments each) and gather the answers."""
        loop = asyncio.get_running_loop()

        def ask(pipe: Connection, arguments: dict[str, Any]) -> Any:
            pipe.send((command, arguments))
            if not pipe.poll(within):
                raise TimeoutError(f"a load generator worker did not finish {command!r}")
            return pipe.recv()

        answers = await asyncio.gather(
            *(
                loop.run_in_executor(self.pool, ask, pipe, arguments)
                for pipe, arguments in zip(self.pipes, kwargs, strict=True)
            )
        )
        for answer in answers:
            if isinstance(answer, dict) and "exception" in answer:
                raise RuntimeError(f"load generator worker failed: {answer['exception']}")
        return answers

    async def all(self, command: str, limit: float, **kwargs: Any) -> list[Any]:
        """Send the same command to every worker; ``limit`` bounds the wait in seconds."""
        return await self.each(command, [kwargs] * self.count, limit)

    def split(self, total: int) -> list[int]:
        return [
            total // self.count + (1 if i < total % self.count else 0) for i in range(self.count)
        ]

    async def live(self) -> int:
        return sum(a["live"] for a in await self.all("status", 10))

    async def connect_to(
        self, total: int, concurrency: int = 64, within: float = 120.0
    ) -> dict[str, Any]:
        """Open connections until ``total`` are live (or the time is up)."""
        live = [a["live"] for a in await self.all("status", 10)]
        goal = self.split(total)
        answers = await self.each(
            "connect",
            [
                {"count": max(0, g - n), "concurrency": concurrency, "within": within}
                for g, n in zip(goal, live, strict=True)
            ],
            within + 30,
        )
        took = [t for a in answers for t in a["took"]]
        failures: collections.Counter[str] = collections.Counter()
        for answer in answers:
            failures.update(answer["failures"])
        return {
            "live": sum(a["live"] for a in answers),
            "opened": len(took),
            "handshake_ms": summary_ms(took),
            "failures": dict(failures),
        }

    async def update_reach(
        self, trigger: Callable[[], Any], question_id: int, within: float = 30.0
    ) -> dict[str, Any]:
        """Time from ``trigger()`` (the moderator's send) until every client has the
        ``question`` push for ``question_id``."""
        expected = sum(await self.all("watch_for", 10, question_id=question_id))
        sent = time.time()
        moderator_ack = await trigger()
        answers = await self.all("collect", within + 10, within=within)
        delays = [t - sent for a in answers for t in a["times"]]
        return {
            "clients": expected,
            "missing": sum(a["missing"] for a in answers),
            "ms": summary_ms(delays),
            "moderator_ack_ms": (moderator_ack - sent) * 1000,
        }

    async def asks_at_rate(
        self, rate: float, duration: float, within: float = 30.0
    ) -> dict[str, Any]:
        start = time.time() + 0.3
        share = rate / self.count
        answers = await self.each(
            "asks_at_rate",
            [
                {
                    "rate": share,
                    "duration": duration,
                    "start_at": start + number / rate,
                    "within": within,
                }
                for number in range(self.count)
            ],
            duration + within + 30,
        )
        latencies = [t for a in answers for t in a["latencies"]]
        errors: collections.Counter[str] = collections.Counter()
        for answer in answers:
            errors.update(answer["errors"])
        return {
            "acked": len(latencies),
            "ms": summary_ms(latencies),
            "errors": dict(errors),
            "question_ids": sorted(q for a in answers for q in a["question_ids"]),
        }

    async def join_while_asking(
        self,
        joining: int,
        rate: float,
        duration: float,
        concurrency: int = 16,
        within: float = 30.0,
    ) -> dict[str, Any]:
        """``joining`` new attendees arrive over ``duration`` seconds while those already
        connected ask at ``rate`` per second: the ask→ack times and the handshakes."""
        start = time.time() + 0.3
        share = rate / self.count
        answers = await self.each(
            "join_while_asking",
            [
                {
                    "count": n,
                    "concurrency": concurrency,
                    "rate": share,
                    "duration": duration,
                    "start_at": start + number / rate,
                    "within": within,
                }
                for number, n in enumerate(self.split(joining))
            ],
            duration + within + 30,
        )
        latencies = [t for a in answers for t in a["latencies"]]
        took = [t for a in answers for t in a["took"]]
        errors: collections.Counter[str] = collections.Counter()
        failures: collections.Counter[str] = collections.Counter()
        for answer in answers:
            errors.update(answer["errors"])
            failures.update(answer["failures"])
        last = [a["last_welcome"] for a in answers if a["took"]]
        return {
            "acked": len(latencies),
            "ms": summary_ms(latencies),
            "errors": dict(errors),
            "question_ids": sorted(q for a in answers for q in a["question_ids"]),
            "joined": len(took),
            "handshake_ms": summary_ms(took),
            "join_s": (max(last) - start) if last else float("nan"),
            "failures": dict(failures),
            "live": sum(a["live"] for a in answers),
        }

    async def asks_flat_out(
        self, askers: int, duration: float, limit: int, within: float = 30.0
    ) -> dict[str, Any]:
        """Asks as fast as acks return, until ``duration`` or ``limit`` asks in all: the rate
        is over the time the asks took, so a faster server does not leave more questions in
        the room for the phases after this one (the large room's RSS)."""
        start = time.time() + 0.3
        each = max(1, -(-limit // askers))
        answers = await self.each(
            "asks_flat_out",
            [
                {
                    "askers": n,
                    "duration": duration,
                    "start_at": start,
                    "within": within,
                    "each": each,
                }
                for n in self.split(askers)
            ],
            duration + within + 30,
        )
        latencies = [t for a in answers for t in a["latencies"]]
        took = min(duration, max(a["last"] for a in answers) - start) or duration
        errors: collections.Counter[str] = collections.Counter()
        for answer in answers:
            errors.update(answer["errors"])
        return {
            "acked": len(latencies),
            "per_s": len(latencies) / took,
            "seconds": took,
            "ms": summary_ms(latencies),
            "errors": dict(errors),
        }

    async def votes_flat_out(
        self, question_ids: list[int], duration: float, within: float = 30.0
    ) -> dict[str, Any]:
        start = time.time() + 0.3
        answers = await self.all(
            "vote_flat_out",
            duration + within + 30,
            question_ids=question_ids,
            duration=duration,
            start_at=start,
            within=within,
        )
        pushes = [n / duration for a in answers for n in a["pushes"]]
        errors: collections.Counter[str] = collections.Counter()
        for answer in answers:
            errors.update(answer["errors"])
        acked = sum(a["acked"] for a in answers)
        gap = min(a["min_gap"] for a in answers)
        return {
            "votes_per_s": acked / duration,
            "min_gap_ms": gap * 1000 if gap != float("inf") else float("nan"),
            "pushes_per_client_s_max": max(pushes) if pushes else float("nan"),
            "pushes_per_client_s_mean": statistics.fmean(pushes) if pushes else float("nan"),
            "errors": dict(errors),
        }

    async def storm(self, count: int, within: float = 60.0) -> dict[str, Any]:
        start = time.time() + 0.3
        answers = await self.each(
            "storm",
            [{"count": n, "start_at": start, "within": within} for n in self.split(count)],
            within + 30,
        )
        welcomed = [t for a in answers for t in a["welcomed"]]
        failures: collections.Counter[str] = collections.Counter()
        for answer in answers:
            failures.update(answer["failures"])
        return {
            "reconnected": len(welcomed),
            "s": (max(welcomed) - start) if welcomed else float("nan"),
            "p50_s": (percentile(welcomed, 50) - start) if welcomed else float("nan"),
            "failures": dict(failures),
        }

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.all("close_all", 30)
        for pipe in self.pipes:
            with contextlib.suppress(Exception):
                pipe.send(("stop", {}))
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        self.pool.shutdown(wait=False)


class Moderator:
    """The moderator's connection, in the parent's event loop: it triggers updates."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.request_ids = 0

    @classmethod
    async def open(cls, host: str, port: int, token: str, within: float = 30.0) -> Moderator:
        hello = dict(p.hello("moderator", "loadgen-moderator", token=token))
        client, _, failure = await open_client(host, port, hello, within, lambda *a: None)
        if client is None:
            raise ConnectionError(f"the moderator could not connect: {failure}")
        return cls(client)

    async def act(self, kind: str, question_id: int, within: float = 30.0, **extra: Any) -> float:
        """Send a moderator action; return the arrival time of its ack."""
        self.request_ids += 1
        message = {
            "type": kind,
            "request_id": f"m{self.request_ids}",
            "question_id": question_id,
            **extra,
        }
        arrived, answer = await asyncio.wait_for(self.client.request(message), within)
        if answer["type"] != "ack":
            raise RuntimeError(f"{kind} #{question_id} refused: {answer}")
        return arrived

    def close(self) -> None:
        self.client.close()


# --- standalone ----------------------------------------------------------------------
async def _standalone(args: argparse.Namespace) -> dict[str, Any]:
    parts = urlsplit(args.url if "://" in args.url else f"ws://{args.url}")
    host, port = parts.hostname or "127.0.0.1", parts.port or 8765
    generator = LoadGen(host, port, args.workers, prefix=f"lg{os.getpid()}")
    generator.start()
    report: dict[str, Any] = {}
    try:
        report["connect"] = await generator.connect_to(args.connections)
        asks = await generator.asks_at_rate(args.ask_rate, args.seconds)
        report["asks"] = {k: v for k, v in asks.items() if k != "question_ids"}
        if args.token and asks["question_ids"]:
            moderator = await Moderator.open(host, port, args.token)
            question_id = asks["question_ids"][0]
            report["update"] = await generator.update_reach(
                lambda: moderator.act("approve", question_id), question_id
            )
            moderator.close()
    finally:
        await generator.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", help="ws://HOST:PORT of a hub (or of floor_server.py)")
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--ask-rate", type=float, default=50.0, help="asks per second")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of the ask burst")
    parser.add_argument("--token", help="moderator token: also time one update reaching all")
    args = parser.parse_args()
    raise_nofile(args.connections + 1024)
    print(json.dumps(asyncio.run(_standalone(args)), indent=2))


if __name__ == "__main__":
    main()
