"""Starting a hub: the listening socket, TLS, and the settings kept in the database."""

from __future__ import annotations

import errno
import functools
import json
import logging
import secrets
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from ..admission import GuardedConnection
from ..dblock import StartError
from ..limits import Bucket
from ..room import Room
from ..store import Store
from .config import HubConfig


class _NoFrameContents(logging.Filter):
    """Keep frame contents out of the log, even at DEBUG: a moderator hello holds the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.DEBUG and record.msg in ("< %s", "> %s"))


_WS_LOG = logging.getLogger("fireside.ws")
_WS_LOG.addFilter(_NoFrameContents())


def _any_port_on_every_interface() -> socket.socket:
    """A listening socket on a free port of every interface, IPv6 and IPv4 alike."""
    try:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(("::", 0))
    except OSError:  # no IPv6 on this machine
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("0.0.0.0", 0))
    return sock


async def bind(
    config: HubConfig,
    handler: Callable[[ServerConnection], Awaitable[None]],
    screen: Callable[[ServerConnection, Request], Response | None],
) -> Server:
    """Bind the listening socket, without serving yet; a taken port is a ``StartError``."""
    address: dict[str, object] = {"host": config.host, "port": config.port}
    try:
        if config.host is None and config.port == 0:
            # Every interface, any port: asyncio binds IPv4 and IPv6 separately and the
            # system gives each its own port, so the port shown (the first socket's) could
            # refuse 127.0.0.1. One dual-stack socket has one port for both.
            address = {"sock": _any_port_on_every_interface()}
        return await serve(
            handler,
            **address,  # type: ignore[arg-type]
            ssl=tls_context(config),
            # A room reconnecting at once (Wi-Fi back) overflows asyncio's default
            # listen backlog of 100: dropped SYNs retry after 1, 3, 7 s. The kernel
            # caps this at net.core.somaxconn.
            backlog=min(4096, max(128, config.max_connections // 2)),
            start_serving=False,
            process_request=screen,
            max_size=config.max_frame,
            compression=None,
            max_queue=16,
            # The hub pings the room itself, spread over the interval (``hub.keepalive``).
            ping_interval=None,
            close_timeout=5,
            server_header="Fireside",
            logger=_WS_LOG,
            create_connection=functools.partial(  # type: ignore[arg-type]
                GuardedConnection,
                write_cap=config.write_buffer_limit,
                budget=lambda: Bucket(
                    config.frames_burst, config.frames_burst / config.frames_per_second
                ),
            ),
        )
    except OSError as exc:
        where = f"port {config.port}"
        if exc.errno == errno.EADDRINUSE:
            raise StartError(
                f"{where} is already in use (another hub?); stop it, or choose another with --port."
            ) from None
        if exc.errno == errno.EACCES:
            raise StartError(f"{where} needs privileges; choose one above 1023.") from None
        raise StartError(f"cannot listen on {where}: {exc.strerror or exc}") from None


def tls_context(config: HubConfig) -> ssl.SSLContext | None:
    """The server's TLS context, if ``--certfile`` was given."""
    if config.certfile is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(config.certfile, config.keyfile)
    return context


@dataclass(frozen=True)
class Settings:
    """What a starting hub takes from its configuration and the database together."""

    token: str
    token_generated: bool
    """Whether the token came from the database or was just made (so it is printed)."""
    peak_connected: int


def resolve_settings(config: HubConfig, store: Store, room: Room) -> Settings:
    """Settle the token, auto-approve and agenda: the command line wins, then the database."""
    stored_token = store.get_meta("token")
    generated = True
    if config.token:
        token, generated = config.token, False
    elif stored_token:
        token = stored_token
    else:
        token = secrets.token_urlsafe(18)
        store.set_meta("token", token)
    if config.auto_approve is not None:
        room.auto_approve = config.auto_approve
        store.set_meta("auto_approve", json.dumps(config.auto_approve))
    else:
        room.auto_approve = json.loads(store.get_meta("auto_approve") or "false")
    store.set_meta("agenda", json.dumps(config.agenda.to_wire()))
    return Settings(token, generated, int(store.get_meta("peak_connected") or 0))
