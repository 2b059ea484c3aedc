"""Helpers shared by the test modules: ports, stored rows, a subprocess hub, raw frames.

Fixtures live in ``conftest.py``; the dashboard's Pilot helpers in ``dashboard_helpers.py``.
Test modules import from these three and never from each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from fireside.hub import Hub, HubConfig
from fireside_ask import protocol as p
from fireside_ask.session import Session

from .conftest import TOKEN
from .wsclient import RawClient

REPLY_DEADLINE = 5.0
"""Seconds any single expected reply may take before the test fails."""
PROCESS_DEADLINE = 10.0
"""Seconds a subprocess hub may take to start or to stop."""


def configure(**changes: Any) -> pytest.MarkDecorator:
    """Run this test against a hub started with these ``HubConfig`` changes."""
    label = ",".join(f"{name}={value!r}"[:40] for name, value in changes.items())
    return pytest.mark.parametrize("hub_config", [changes], indirect=True, ids=[label])


def free_port() -> int:
    """A loopback port nothing listens on now, for a hub that must keep its port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def db_rows(db_path: Path, sql: str, *params: Any) -> list[dict[str, Any]]:
    """Read committed rows through a separate connection, as ``fireside export`` would."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def stored_questions(db: Path) -> list[tuple[Any, ...]]:
    """Every stored question as ``(id, client_id, request_id, text)``."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT id, client_id, request_id, text FROM questions").fetchall()


def hub_at(tmp_path: Path, port: int, **changes: Any) -> Hub:
    """A hub (not started) on ``port`` with the test token and these config changes."""
    config = HubConfig(db_path=tmp_path / "hub.db", host="127.0.0.1", port=port, token=TOKEN)
    for key, value in changes.items():
        setattr(config, key, value)
    return Hub(config)


def serve_command(db: Path, port: int, token: str, *extra: str) -> list[str]:
    """``fireside serve`` on loopback, as these tests start it."""
    return [
        sys.executable,
        "-m",
        "fireside",
        "serve",
        "--db",
        str(db),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--token",
        token,
        *extra,
    ]


def read_log(log: Path) -> str:
    """A subprocess's log, for an assertion message."""
    return log.read_text(errors="replace")


@contextlib.asynccontextmanager
async def serve(command: list[str], log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run ``fireside serve`` until it prints that it is listening; kill it if still alive."""
    with log.open("ab") as stderr:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        assert process.stdout is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PROCESS_DEADLINE
        seen = b""
        while b"listening" not in seen:
            line = await asyncio.wait_for(
                process.stdout.readline(), max(0.0, deadline - loop.time())
            )
            assert line, f"fireside serve exited before listening:\n{read_log(log)}"
            seen += line
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.wait_for(process.wait(), PROCESS_DEADLINE)


async def http_get(port: int, path: str) -> tuple[int, bytes]:
    """Send a raw HTTP/1.1 GET and return the status code and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), REPLY_DEADLINE)
        headers: dict[str, str] = {}
        while (line := await asyncio.wait_for(reader.readline(), REPLY_DEADLINE)) not in (
            b"\r\n",
            b"",
        ):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await asyncio.wait_for(
            reader.readexactly(int(headers["content-length"])), REPLY_DEADLINE
        )
        return int(status_line.split()[1]), body
    finally:
        writer.close()


def hello(**fields: Any) -> str:
    """An attendee's hello frame with a fresh client id; a field set to None is left out."""
    message = {"type": "hello", "protocol": 1, "role": "attendee", "client_id": uuid.uuid4().hex}
    message.update(fields)
    return json.dumps({k: v for k, v in message.items() if v is not None})


async def recv_json(ws: ClientConnection) -> dict[str, Any]:
    """The next frame from the hub, decoded, within the reply deadline."""
    return dict(p.decode_message(await asyncio.wait_for(ws.recv(), REPLY_DEADLINE)))


async def closed_with(ws: ClientConnection) -> int | None:
    """Wait (with a deadline) until the hub closes ``ws``; return the close code."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + REPLY_DEADLINE
    with pytest.raises(ConnectionClosed):  # noqa: PT012 - drain anything pushed before
        while True:
            await asyncio.wait_for(ws.recv(), max(0.0, deadline - loop.time()))
    return ws.close_code


async def refused_hello(url: str, first_frame: str | bytes) -> tuple[dict[str, Any], int | None]:
    """Open a raw connection, send one first frame, return the hub's reply and close code."""
    async with ws_connect(url, open_timeout=REPLY_DEADLINE) as ws:
        await ws.send(first_frame)
        reply = await recv_json(ws)
        return reply, await closed_with(ws)


def assert_error(reply: dict[str, Any], code: str, request_id: str | None = None) -> None:
    """``reply`` is an error with this code, for this request, with a message to show."""
    assert reply["type"] == "error", reply
    assert reply["code"] == code, reply
    assert reply["request_id"] == request_id, reply
    assert isinstance(reply["message"], str) and reply["message"].strip(), reply


async def acked(client: RawClient, message: dict[str, Any]) -> dict[str, Any]:
    """Send ``message`` and return the hub's ack (fail on anything else)."""
    reply = await client.request(message)
    assert reply["type"] == "ack", reply
    return reply


async def end_session(moderator: RawClient, hub: Hub) -> None:
    """Move the clock past the last segment, as a moderator ending the session does."""
    for _ in range(len(hub.config.agenda.segments) + 1):
        await acked(moderator, {"type": "clock", "action": "next"})


async def until(predicate: Callable[[], object], within: float = 5.0, what: str = "") -> None:
    """Poll ``predicate`` until it holds, or fail after ``within`` seconds (naming ``what``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"{what or 'condition'} not met within {within} s")
        await asyncio.sleep(0.01)


# --- the attendee client -------------------------------------------------------------

FAST = {"backoff_base": 0.05, "backoff_cap": 0.2}
"""Reconnect backoff short enough for tests (still the real backoff code)."""

NASTY = "\x1b]0;owned\x07[bold red]hi[/]"
"""Text that would retitle a terminal or style itself if anything drew it as markup."""


@contextlib.asynccontextmanager
async def running(session: Session) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``session`` in the background; close it and collect its task at the end."""
    task = asyncio.ensure_future(session.run())
    try:
        yield task  # type: ignore[misc]
    finally:
        await session.close()
        task.cancel()
        await asyncio.wait({task})


def command_env(**extra: str) -> dict[str, str]:
    """The environment for a client subprocess: no colour, a dumb terminal, unbuffered."""
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "PYTHONUNBUFFERED": "1", **extra}
    env.pop("FORCE_COLOR", None)
    return env


async def run_command(
    *args: str, input: bytes | None = None, **env: str
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m fireside_ask ARGS`` as its own process, as an attendee would."""
    return await anyio.run_process(
        [sys.executable, "-m", "fireside_ask", *args],
        input=input,
        check=False,
        env=command_env(**env),
    )
