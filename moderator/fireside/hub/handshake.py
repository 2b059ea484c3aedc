"""The door: who may open a websocket, and whose ``hello`` is admitted.

``Door.screen`` runs on the HTTP request (plain pages, health, origin, a full house);
``Door.admit`` decides a ``hello`` from the registry's state and the per-address limits,
and returns the refusal to send, if any. Neither touches a socket's data.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from fireside_ask import protocol as p

from ..limits import Bucket
from ..web import is_websocket, origin_allowed, serve_http
from .config import MIN_PENDING, RESERVED, ROOM_FULL_RETRY, HubConfig
from .peers import Registry

log = logging.getLogger("fireside.hub")

ROOM_FULL = "The room is full; try again in a minute."


@dataclass(frozen=True)
class Refusal:
    """Why a client is turned away: the error frame it gets before the close."""

    code: str
    message: str
    retry_after: float | None = None


def is_loopback(address: str) -> bool:
    """Whether an address is this machine's (out of the per-address limits by default)."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def remote(ws: ServerConnection) -> str:
    """The address a connection came from, as the per-address limits count it."""
    return str(ws.remote_address[0]) if ws.remote_address else "?"


def forget_handshake(ws: ServerConnection) -> None:
    """Drop the opening handshake's headers, which nothing reads once the socket is open.

    ``websockets`` keeps the request and response with their headers for the connection's
    life: about 3 KB a connection from our own client, more from a browser (issue 17). The
    request's headers are emptied in place, since the protocol's parser keeps the same
    request object too; the request itself stays, as ``websockets`` takes a ``None``
    request to mean that the next event is the handshake.
    """
    if ws.request is not None:
        ws.request.headers.clear()
    ws.response = None


class Door:
    """The per-address limits and the client ids known, applied at the handshake."""

    def __init__(
        self, config: HubConfig, registry: Registry, notify: Callable[[dict[str, str]], None]
    ) -> None:
        self.config = config
        self.registry = registry
        self._notify = notify
        """Sends a ``limit`` message to the moderators."""
        self.known_clients: set[str] = set()
        """Client ids the hub has seen: they reconnect without counting as new."""
        self.token = ""
        self.pending: dict[ServerConnection, None] = {}
        """Connections waiting for their ``hello``, oldest first."""
        self.refusals: weakref.WeakKeyDictionary[ServerConnection, Refusal]
        self.refusals = weakref.WeakKeyDictionary()
        """Browser handshakes accepted only to be refused with an ``error`` frame: a page
        cannot read an HTTP status of a failed websocket handshake (it sees 1006)."""
        self._auth_failures: dict[str, Bucket] = {}
        self._new_clients: dict[str, Bucket] = {}
        """Per address: new client ids it may still bring this minute."""
        self._limit_notices: dict[str, Bucket] = {}
        """Per (address, limit): so the moderator hears of a limit once a minute, not per hit."""

    def screen(self, connection: ServerConnection, request: Request) -> Response | None:
        """Answer a plain HTTP request, or let a websocket handshake go on (``None``)."""
        if request.path.partition("?")[0] == "/healthz":
            return connection.respond(200, "ok\n")
        tls = self.config.certfile is not None
        if not is_websocket(request):
            return serve_http(request, tls)
        # A browser learns why it was refused only from a frame: so the handshake of a
        # refused page completes, and the hub sends the error and closes (nothing is read).
        browser = "Origin" in request.headers
        if not origin_allowed(request, tls, self.config.allowed_origins):
            log.info("refused a browser from another site")
            self.refusals[connection] = Refusal(
                p.NOT_ALLOWED, "This page is not allowed to connect to this hub (--allow-origin)."
            )
            return None
        # Room is kept beyond the cap for moderators and stage screens: a full room must
        # never lock out the dashboard reconnecting after a blip. Attendees past the cap
        # are refused at hello, stage screens past theirs too; only connections that said
        # hello count here, so sockets that stay silent cannot fill the reserve.
        if len(self.registry.peers) >= self.config.max_connections + RESERVED:
            log.warning("refused a connection: %d open", len(self.registry.peers))
            if browser:
                self.refusals[connection] = Refusal(p.RATE_LIMITED, ROOM_FULL)
                return None
            return connection.respond(503, "This Fireside hub is full.\n")
        if len(self.pending) >= max(MIN_PENDING, self.config.max_connections // 10):
            # Cut the connection that has waited longest for its hello: a real client
            # says hello at once, so the oldest silent one is the likeliest squatter.
            oldest = next(iter(self.pending))
            del self.pending[oldest]
            log.warning("cut a connection that did not say hello, to let a new one in")
            oldest.transport.abort()
        return None

    def admit(self, hello: p.Hello, address: str) -> Refusal | None:
        """Decide a ``hello``: ``None`` admits it, else the refusal to send."""
        role = hello.get("role", p.ATTENDEE)
        client_id = hello["client_id"]
        if role == p.ATTENDEE and not self.registry.has_place(client_id):
            return Refusal(p.RATE_LIMITED, ROOM_FULL, ROOM_FULL_RETRY)
        if (
            role == p.ATTENDEE
            and client_id not in self.known_clients
            and not self.allow(self._new_clients, address, self.config.new_clients_per_minute)
        ):
            limit = self.config.new_clients_per_minute
            self.limit_hit(
                address,
                "new_clients",
                f"{address} brought {limit} new attendees within a minute; more are refused "
                "for now (--new-clients-per-minute).",
            )
            return Refusal(
                p.RATE_LIMITED,
                "Too many new people from your network; try again in a minute.",
                self._new_clients[address].retry_after(),
            )
        if role == p.STAGE and len(self.registry.stages) >= self.config.max_stages:
            return Refusal(
                p.RATE_LIMITED,
                f"{self.config.max_stages} stage screens are open already.",
                ROOM_FULL_RETRY,
            )
        if role == p.MODERATOR:
            return self._check_token(address, hello.get("token"))
        return None

    def _check_token(self, address: str, token: object) -> Refusal | None:
        """Return ``None`` for the right token, else the refusal.

        The right token is always accepted, so attendees sharing an address with the
        moderator (a NAT, a proxy) cannot lock the moderator out by guessing. Wrong tokens
        are counted per address and, past the limit, refused as ``rate_limited``: with a
        generated token (144 random bits) guessing is hopeless anyway; the limit slows the
        guessing of a weak token chosen by hand and keeps the log quiet.
        """
        if isinstance(token, str) and hmac.compare_digest(
            token.encode("utf-8", "surrogatepass"), self.token.encode("utf-8", "surrogatepass")
        ):
            return None
        failures = self._auth_failures.setdefault(
            address, Bucket(self.config.auth_failures_per_minute, 60.0)
        )
        if not failures.take():
            log.warning("refused a moderator hello from %s: too many wrong tokens", address)
            return Refusal(
                p.RATE_LIMITED, "Too many wrong tokens; wait a minute.", failures.retry_after()
            )
        log.warning("refused a moderator hello from %s: wrong or missing token", address)
        return Refusal(p.BAD_TOKEN, "The moderator token is missing or wrong.")

    def allow(self, buckets: dict[str, Bucket], address: str, per_minute: int) -> bool:
        """Spend one of ``address``'s tokens in ``buckets`` (``per_minute`` a minute)."""
        if not self.config.limit_loopback and is_loopback(address):
            return True
        return buckets.setdefault(address, Bucket(per_minute, 60.0)).take()

    def limit_hit(self, address: str, limit: str, message: str) -> None:
        """Tell the moderators that an address hit a limit, at most once a minute each."""
        notices = self._limit_notices.setdefault(f"{limit} {address}", Bucket(1, 60.0))
        if not notices.take():
            return
        log.warning("limit %s hit by %s", limit, address)
        self._notify({"type": "limit", "limit": limit, "address": address, "message": message})
