"""How attendees join a hub: the page's address and the command, with this machine's address.

The hub sends them to moderators in ``welcome`` and ``fireside serve`` prints them; a
dashboard on another machine cannot work them out, since it only knows the address it
connected with.
"""

from __future__ import annotations

import socket

from fireside_ask.protocol import DEFAULT_PORT

from .wheel import wheel_filename


def lan_address() -> str:
    """This machine's address on the local network, as attendees should type it.

    A UDP socket "connected" to a documentation address (TEST-NET-1) makes the kernel pick
    the outgoing interface; no packet is sent.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("192.0.2.1", 9))
            address = str(sock.getsockname()[0])
            if not address.startswith("0."):
                return address
    except OSError:
        pass
    return "127.0.0.1"


def _shown_host(host: str | None) -> str:
    shown = host if host and host not in ("0.0.0.0", "::") else lan_address()
    return f"[{shown}]" if ":" in shown else shown


def page_url(host: str | None, port: int, tls: bool = False) -> str:
    """The address of the attendee page the hub serves (the QR code shows it)."""
    scheme = "https" if tls else "http"
    default = 443 if tls else 80
    suffix = "" if port == default else f":{port}"
    return f"{scheme}://{_shown_host(host)}{suffix}/"


def join_command(host: str | None, port: int, tls: bool = False, published: bool = False) -> str:
    """The exact command attendees type to join this hub from a terminal.

    Until ``fireside-ask`` is on the package index (``published``), ``pipx`` installs it
    from the wheel this hub serves, so the command works today.
    """
    shown = _shown_host(host)
    suffix = "" if port == DEFAULT_PORT and not tls else f":{port}"
    scheme = "wss://" if tls else ""
    if published:
        return f"pipx run fireside-ask {scheme}{shown}{suffix}"
    wheel = page_url(host, port, tls) + wheel_filename()
    return f"pipx run --spec {wheel} fireside-ask {scheme}{shown}{suffix}"
