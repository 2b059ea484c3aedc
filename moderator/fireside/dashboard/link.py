"""The dashboard's connection to the hub: a moderator (or stage) client of the same protocol.

It runs as a Textual worker on the app's event loop, so the UI never waits on it. It
reconnects with backoff, and every message from the hub is handed to ``on_message``.
Requests return a future that resolves with the hub's ``ack`` or ``error``.
"""

from __future__ import annotations

import asyncio
import itertools
import ssl
import uuid
from collections.abc import Callable
from typing import Any

from fireside_ask import protocol as p
from fireside_ask.session import backoff_delays


class LinkRefused(Exception):
    """The hub refused this client for good (wrong token, other protocol)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class HubLink:
    """Keeps one connection to a hub open and matches replies to requests."""

    def __init__(
        self,
        url: str,
        *,
        role: str = p.MODERATOR,
        token: str | None = None,
        client_id: str | None = None,
        on_message: Callable[[p.ServerMessage], object],
        on_status: Callable[[str, str], object],
        max_backoff: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.url = url
        self.role = role
        self.token = token
        self.client_id = client_id or f"{role}-{uuid.uuid4().hex[:16]}"
        self.on_message = on_message
        self.on_status = on_status
        """Called with (status, detail): ``connecting``, ``online``, ``offline``, ``refused``."""
        self.max_backoff = max_backoff
        self.ssl_context = ssl_context
        """TLS settings for wss:// (``None``: the system's trusted certificates)."""
        self.request_timeout = 10.0
        """Seconds to wait for the hub's answer to a request."""
        self.refusal = ""
        """The hub's error code when it refused this client (``bad_token``...), else ``""``."""
        self._ws: Any = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        # The hub answers a repeated request_id from the same client_id with its first
        # answer: ids must never repeat, even if a client_id is reused across runs.
        self._id_prefix = uuid.uuid4().hex[:8]

    @property
    def online(self) -> bool:
        return self._ws is not None

    async def run(self) -> None:
        """Connect, read, and reconnect forever (until cancelled or refused)."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        delays = backoff_delays(0.25, self.max_backoff)
        while True:
            self.on_status("connecting", self.url)
            try:
                async with connect(
                    self.url,
                    max_size=None,
                    open_timeout=10,
                    compression=None,
                    ssl=self.ssl_context if self.url.startswith("wss://") else None,
                ) as ws:
                    hello = p.hello(self.role, self.client_id, token=self.token)
                    await ws.send(p.encode(hello))
                    welcome = p.decode_message(await ws.recv())
                    if welcome["type"] == "error":
                        raise LinkRefused(welcome["message"], welcome["code"])
                    if welcome["type"] != "welcome":
                        raise LinkRefused("That address is not a Fireside hub.")
                    self._ws = ws
                    delays = backoff_delays(0.25, self.max_backoff)
                    self.on_status("online", self.url)
                    self.on_message(welcome)
                    async for frame in ws:
                        try:
                            message = p.decode_message(frame)
                        except p.ProtocolError:
                            continue  # a newer hub's message (or a broken one): skip it
                        self._resolve(message)
                        self.on_message(message)
            except LinkRefused as exc:
                self._drop()
                self.refusal = exc.code
                self.on_status("refused", str(exc))
                return
            except (
                TimeoutError,
                OSError,
                ConnectionClosed,
                InvalidHandshake,
                p.ProtocolError,
            ) as exc:
                self._drop()
                self.on_status("offline", type(exc).__name__)
            await asyncio.sleep(next(delays))

    def _drop(self) -> None:
        self._ws = None
        for future in self._pending.values():
            if not future.done():
                future.set_result(
                    dict(p.error("offline", "Not connected to the hub; the action was not sent."))
                )
        self._pending.clear()

    def _resolve(self, message: p.ServerMessage) -> None:
        if (message["type"] == "ack" or message["type"] == "error") and (
            message["request_id"] in self._pending
        ):
            future = self._pending.pop(message["request_id"])
            if not future.done():
                future.set_result(dict(message))

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send a request; return the hub's ``ack`` or ``error`` (an ``error`` if offline)."""
        if self._ws is None:
            return dict(p.error("offline", "Not connected to the hub; the action was not sent."))
        request_id = f"d{self._id_prefix}-{next(self._ids)}"
        message = {**message, "request_id": request_id}
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self._ws.send(p.encode(message))
            return await asyncio.wait_for(future, self.request_timeout)
        except Exception:
            self._pending.pop(request_id, None)
            return dict(p.error("offline", "The hub did not answer in time; check the connection."))
