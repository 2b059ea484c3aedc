"""The command attendees type to join a hub, with this machine's address on the network.

The hub sends it to moderators in ``welcome`` and ``fireside serve`` prints it; a dashboard
on another machine cannot work it out, since it only knows the address it connected with.
"""

from __future__ import annotations

import socket

from fireside_ask.protocol import DEFAULT_PORT


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


def join_command(host: str | None, port: int, tls: bool = False) -> str:
    """The exact command attendees type to join this hub."""
    shown = host if host and host not in ("0.0.0.0", "::") else lan_address()
    suffix = "" if port == DEFAULT_PORT and not tls else f":{port}"
    if ":" in shown:
        shown = f"[{shown}]"
    scheme = "wss://" if tls else ""
    return f"pipx run fireside-ask {scheme}{shown}{suffix}"
