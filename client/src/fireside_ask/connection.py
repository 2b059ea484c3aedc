"""Reaching a hub: opening the websocket, the hello handshake, and why a session stops.

``open_connection`` and ``say_hello`` turn every way a connection can fail into one of two
kinds: a ``Transient`` failure, worth retrying after a pause (the hub restarts, the Wi-Fi
changes, the room is full), or a ``SessionError``, which ends the session for good (not a
Fireside hub, refused by the hub, a host name that does not exist). ``Session`` (in
``session``) does the retrying.
"""

from __future__ import annotations

import asyncio
import errno
import random
import socket
import ssl as ssl_module
from collections.abc import Iterator
from typing import Any, Callable
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidMessage,
    InvalidStatus,
    InvalidURI,
)

from . import __version__
from . import protocol as p
from .text import clean_text

#: The welcome carries every visible question, so it can be far larger than the 1 MiB
#: websockets allows by default.
MAX_INCOMING = 16 * 1024 * 1024
#: Close codes after which reconnecting is the right thing to do.
TRANSIENT_CLOSES = frozenset({1001, 1005, 1006, 1011, 1012, 1013, 1014})


class SessionError(Exception):
    """Why a session cannot go on; ``exit_code`` is what the command exits with."""

    exit_code = 3

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unreachable(SessionError):
    """No connection could be made (or kept) to the address."""


class NotAHub(SessionError):
    """Something answered, but it is not a Fireside hub."""


class Refused(SessionError):
    """The hub answered with an ``error``: the question or vote (or the hello) was refused."""

    exit_code = 1

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Transient(Exception):
    """The connection failed or dropped in a way that is worth retrying."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused
        """Nothing listens at the address (ECONNREFUSED): the answer comes at once."""


def _is_refused(exc: BaseException) -> bool:
    # A name with several addresses (localhost: ::1 and 127.0.0.1) fails with one OSError
    # that lists each attempt, without an errno of its own.
    if isinstance(exc, ConnectionRefusedError):
        return True
    return isinstance(exc, OSError) and f"[Errno {errno.ECONNREFUSED}]" in str(exc)


def backoff_delays(
    base: float = 0.5, cap: float = 10.0, rand: Callable[[], float] = random.random
) -> Iterator[float]:
    """Yield reconnect delays: ``base`` doubling up to ``cap``, each cut by up to a half."""
    delay = base
    while True:
        yield delay * (0.5 + rand() / 2)
        delay = min(cap, delay * 2)


def _describe_oserror(exc: BaseException) -> str:
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "timed out"
    if _is_refused(exc):
        return "connection refused"
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, EOFError)):
        return "the connection was reset"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


def host_of(url: str) -> str:
    """The host name of ``url``, for messages (the URL itself if it has none)."""
    return urlsplit(url).hostname or url


async def open_connection(
    url: str,
    *,
    ssl: ssl_module.SSLContext | None,
    open_timeout: float,
    ever_connected: bool,
) -> ClientConnection:
    """Open the websocket, or raise ``Transient`` (retry) or a ``SessionError`` (give up).

    ``ever_connected`` says whether a connection to this hub ever worked: before that, an
    unknown host name or a hang-up during the TLS hello is a mistake, not an outage.
    """
    try:
        return await connect(
            url,
            ssl=ssl,
            open_timeout=open_timeout,
            max_size=MAX_INCOMING,
            close_timeout=2,
            user_agent_header=f"fireside-ask/{__version__}",
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        if status in (502, 503, 504):
            body = clean_text(exc.response.body.decode("utf-8", "replace"))[:100]
            raise Transient(f"the hub answered HTTP {status}: {body or 'busy'}") from None
        raise NotAHub(
            f"{url} answered HTTP {status}, not a websocket: it is not a Fireside hub."
        ) from None
    except InvalidURI:
        raise NotAHub(f"{url} is not a valid websocket address.") from None
    except ssl_module.SSLCertVerificationError as exc:
        raise Unreachable(
            f"the TLS certificate of {host_of(url)} is not trusted "
            f"({exc.verify_message}); pass --cafile FILE if the hub uses its own CA."
        ) from None
    except ssl_module.SSLError as exc:
        raise NotAHub(
            f"the TLS handshake with {host_of(url)} failed ({exc.reason or exc}); "
            "is it a wss:// hub?"
        ) from None
    except (InvalidMessage, InvalidHandshake):
        raise NotAHub(
            f"{url} did not answer as a websocket server: it is not a Fireside hub."
        ) from None
    except socket.gaierror:
        if not ever_connected:
            raise Unreachable(f"cannot find the host {host_of(url)!r}.") from None
        raise Transient(f"cannot find the host {host_of(url)!r}") from None
    except (ConnectionResetError, ConnectionAbortedError, EOFError) as exc:
        if url.startswith("wss://") and not ever_connected:
            # What a plain ws:// server does to a TLS hello.
            raise NotAHub(
                f"the TLS handshake with {host_of(url)} failed (the server hung up): "
                "is it a wss:// hub? Try ws:// instead."
            ) from None
        raise Transient(_describe_oserror(exc)) from None
    except (OSError, asyncio.TimeoutError, TimeoutError) as exc:
        raise Transient(_describe_oserror(exc), refused=_is_refused(exc)) from None


def close_code(ws: ClientConnection) -> int:
    """The code the connection closed with; 1006 (abnormal) when it closed without one."""
    code = ws.protocol.close_code
    return 1006 if code is None else code


def refusal_after_close(ws: ClientConnection, last_error: dict[str, Any] | None) -> Refused:
    """Why the hub closed with 1008: its last ``error`` frame, or else the close reason."""
    error = last_error or {}
    reason = ws.protocol.close_reason or "The hub closed the connection."
    return Refused(
        str(error.get("code") or p.NOT_ALLOWED),
        clean_text(str(error.get("message") or reason)),
    )


async def say_hello(
    ws: ClientConnection,
    url: str,
    client_id: str,
    name: str | None,
    welcome_timeout: float,
) -> p.Welcome:
    """Send ``hello`` as an attendee and return the hub's ``welcome``.

    Raises ``Transient`` for what is worth retrying (a full room, a close during a
    restart), ``Refused`` when the hub turns this attendee away, ``NotAHub`` otherwise.
    """
    try:
        await ws.send(p.encode(p.hello(p.ATTENDEE, client_id, name)))
        frame = await asyncio.wait_for(ws.recv(), welcome_timeout)
    except (asyncio.TimeoutError, TimeoutError):
        raise NotAHub(
            f"{url} is a websocket server but did not answer hello within "
            f"{welcome_timeout:g} s: it is not a Fireside hub."
        ) from None
    except ConnectionClosed:
        code = close_code(ws)
        if code == p.CLOSE_POLICY:
            raise refusal_after_close(ws, None) from None
        if code in TRANSIENT_CLOSES:
            raise Transient(f"the connection closed during hello ({code})") from None
        raise NotAHub(
            f"{url} closed the connection after hello (code {code}): "
            "it is not a Fireside hub."
        ) from None
    return _welcome_from(url, frame)


def _welcome_from(url: str, frame: Any) -> p.Welcome:
    """The ``welcome`` in the hub's answer to hello, or why there is none."""
    try:
        message = p.decode_message(frame)
    except p.ProtocolError as exc:
        if exc.kind:
            raise NotAHub(
                f"{url} answered hello with {clean_text(exc.kind)[:40]!r}, "
                "not welcome: it is not a Fireside hub."
            ) from None
        raise NotAHub(
            f"{url} answered hello with something that is not a Fireside "
            "message: it is not a Fireside hub."
        ) from None
    if message["type"] == "error" and message["code"] == p.RATE_LIMITED:
        # A full room: not a refusal of this attendee, so keep trying with backoff.
        raise Transient(clean_text(message["message"] or "The room is full."))
    if message["type"] == "error":
        raise Refused(
            message["code"] or "error",
            clean_text(message["message"] or "The hub refused the connection."),
        )
    if message["type"] != "welcome":
        raise NotAHub(
            f"{url} answered hello with {clean_text(message['type'])[:40]!r}, "
            "not welcome: it is not a Fireside hub."
        )
    return message
