"""A raw protocol client for tests, built only on ``websockets`` and the protocol module.

It sends whatever a test gives it (malformed frames too), and reads every frame through
``protocol.decode_message``: a hub reply that does not match the schema fails the test.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from fireside_ask import protocol as p

_ids = itertools.count(1)


class RawClient:
    """Speaks the wire protocol frame by frame; keeps unread messages in a backlog."""

    def __init__(self, ws: ClientConnection, welcome: dict[str, Any]) -> None:
        self.ws = ws
        self.welcome = welcome
        self.backlog: list[dict[str, Any]] = []

    @classmethod
    async def open(
        cls,
        url: str,
        role: str = "attendee",
        client_id: str | None = None,
        token: str | None = None,
        name: str | None = None,
    ) -> RawClient:
        ws = await connect(url, max_size=None, open_timeout=5)
        await ws.send(p.encode(p.hello(role, client_id or uuid.uuid4().hex, name, token)))
        welcome = p.decode_message(await asyncio.wait_for(ws.recv(), 5))
        return cls(ws, dict(welcome))

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(message if isinstance(message, (str, bytes)) else p.encode(message))

    async def read(self, timeout: float = 5) -> dict[str, Any]:
        """The next frame from the hub, checked against the schema (backlog not consulted)."""
        return dict(p.decode_message(await asyncio.wait_for(self.ws.recv(), timeout)))

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        if self.backlog:
            return self.backlog.pop(0)
        return await self.read(timeout)

    async def expect(self, kind: str, timeout: float = 5, **fields: Any) -> dict[str, Any]:
        """Wait for the first message of ``kind`` whose fields match; keep the others."""
        for index, message in enumerate(self.backlog):
            if _matches(message, kind, fields):
                return self.backlog.pop(index)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"no {kind} {fields} within {timeout}s; got {self.backlog}")
            message = await self.read(left)
            if _matches(message, kind, fields):
                return message
            self.backlog.append(message)

    async def request(self, message: dict[str, Any], timeout: float = 5) -> dict[str, Any]:
        """Send a request with a fresh request_id and return its ``ack`` or ``error``."""
        request_id = message.setdefault("request_id", f"t{next(_ids)}")
        await self.send(message)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index, reply in enumerate(self.backlog):
                if reply.get("request_id") == request_id and reply["type"] in ("ack", "error"):
                    return self.backlog.pop(index)
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"no reply to {message}")
            self.backlog.append(await self.read(left))

    async def ask(self, text: str, **extra: Any) -> dict[str, Any]:
        return await self.request({"type": "ask", "text": text, **extra})

    async def close(self) -> None:
        await self.ws.close()


def _matches(message: dict[str, Any], kind: str, fields: dict[str, Any]) -> bool:
    return message.get("type") == kind and all(message.get(k) == v for k, v in fields.items())
