"""The hub answers over a real loopback socket."""

import socket

import pytest

from fireside.hub import Hub

from .helpers import configure
from .wsclient import RawClient

pytestmark = pytest.mark.anyio


async def test_attendee_gets_ack_with_question_number(connect) -> None:
    """An attendee who asks sees the question confirmed with its number."""
    attendee = await connect()
    reply = await attendee.ask("What about Qwen?")
    assert reply == {
        "type": "ack",
        "request_id": reply["request_id"],
        "question_id": 1,
        "state": "pending",
    }


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@configure(host=None)
async def test_a_hub_on_every_interface_and_any_port_answers_on_its_one_port(hub: Hub) -> None:
    """`fireside run --port 0` on every interface: the port it shows works over IPv4 and IPv6."""
    assert len({sock.getsockname()[1] for sock in hub._server.sockets}) == 1  # type: ignore[union-attr]
    addresses = ["127.0.0.1", "[::1]"] if _ipv6_loopback() else ["127.0.0.1"]
    for address in addresses:
        client = await RawClient.open(f"ws://{address}:{hub.port}")
        assert client.welcome["type"] == "welcome"
        await client.close()
