"""Limits below the application: the moderators' reserve, ping floods, per-connection budgets."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import os
from typing import Any

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from fireside.cli import build_parser, hub_config
from fireside.hub import Hub, HubConfig
from fireside_ask import protocol as p

from .conftest import TOKEN
from .wsclient import RawClient

pytestmark = pytest.mark.anyio

PING, TEXT = 0x9, 0x1


def frame(opcode: int, payload: bytes) -> bytes:
    """One masked client frame, as RFC 6455 requires from clients."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    if len(payload) < 126:
        header = bytes([0x80 | opcode, 0x80 | len(payload)])
    else:
        header = bytes([0x80 | opcode, 0x80 | 126]) + len(payload).to_bytes(2, "big")
    return header + mask + masked


async def raw_websocket(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A websocket opened by hand, so that the test decides what is (never) read."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert response.startswith(b"HTTP/1.1 101"), response
    return reader, writer


def hello(role: str = "attendee", **extra: Any) -> bytes:
    return json.dumps({**p.hello(role, os.urandom(8).hex()), **extra}).encode()


async def moderator_gets_in(hub: Hub) -> dict[str, Any]:
    moderator = await RawClient.open(f"ws://127.0.0.1:{hub.port}", role="moderator", token=TOKEN)
    await moderator.close()
    return moderator.welcome


# --- 4. the moderators' reserve -------------------------------------------------------


async def test_stage_screens_cannot_fill_the_moderators_reserve(hub_config: HubConfig) -> None:
    """With 36 stage screens open on a hub capped at 20, the moderator still gets in."""
    hub_config.max_connections = 20
    async with Hub(hub_config) as hub:
        url = f"ws://127.0.0.1:{hub.port}"
        held, refused = [], []
        for _ in range(36):
            try:
                client = await RawClient.open(url, role="stage")
            except InvalidStatus as exc:
                refused.append(exc.response.status_code)
                continue
            (held if client.welcome["type"] == "welcome" else refused).append(client)
        assert refused, "every stage screen was let in: nothing caps them"
        assert (await moderator_gets_in(hub))["type"] == "welcome"
        for client in held:
            await client.close()


async def test_silent_sockets_cannot_fill_the_moderators_reserve(hub_config: HubConfig) -> None:
    """With 36 sockets that never say hello on a hub capped at 20, the moderator gets in."""
    hub_config.max_connections = 20
    async with Hub(hub_config) as hub, contextlib.AsyncExitStack() as stack:
        for _ in range(36):
            with contextlib.suppress(InvalidStatus):
                await stack.enter_async_context(ws_connect(f"ws://127.0.0.1:{hub.port}"))
        assert (await moderator_gets_in(hub))["type"] == "welcome"


# --- 5. ping floods -------------------------------------------------------------------


@pytest.mark.parametrize("after_hello", [False, True])
async def test_a_ping_flood_that_never_reads_is_dropped(
    hub_config: HubConfig, after_hello: bool
) -> None:
    """A client sending pings and never reading the pongs is cut off, before and after hello."""
    hub_config.frames_per_second = 1e9  # the buffer cap alone must stop it
    hub_config.frames_burst = 10**9
    async with Hub(hub_config) as hub:
        reader, writer = await raw_websocket(hub.port)
        if after_hello:
            writer.write(frame(TEXT, hello()))
        pings = frame(PING, b"x" * 125) * 200
        sent = 0
        dropped = False
        # 100 MB of pings would make 100 MB of pongs; the hub must give up long before.
        while sent < 100 << 20:
            try:
                writer.write(pings)
                await asyncio.wait_for(writer.drain(), 10)
            except (ConnectionError, TimeoutError):
                dropped = True
                break
            sent += len(pings)
        assert dropped, "the hub kept answering a client that never reads"
        assert sent < 32 << 20
        for connection in hub._server.connections if hub._server else ():
            assert connection.transport.get_write_buffer_size() <= 2 * hub_config.write_buffer_limit
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
        assert (await moderator_gets_in(hub))["type"] == "welcome"
        del reader


# --- 6. every frame costs -------------------------------------------------------------


async def test_a_flooding_connection_is_closed_and_others_are_still_answered(
    hub_config: HubConfig,
) -> None:
    """One attendee resending an acked ask as fast as it can is closed; another's votes ack."""
    hub_config.votes_per_minute = 1000
    async with Hub(hub_config) as hub:
        url = f"ws://127.0.0.1:{hub.port}"
        flooder = await RawClient.open(url)
        first = await flooder.ask("Flood me?")
        assert first["type"] == "ack"
        moderator = await RawClient.open(url, role="moderator", token=TOKEN)
        assert (await moderator.request({"type": "approve", "question_id": 1}))["type"] == "ack"
        voter = await RawClient.open(url)

        async def flood() -> int | None:
            # It reads everything, so it is no stalled reader: only a frame budget stops it.
            resend = json.dumps({"type": "ask", "request_id": first["request_id"], "text": "x"})
            ping = json.dumps({"type": "ping", "request_id": "p"})

            async def read_all() -> None:
                with contextlib.suppress(ConnectionClosed):
                    async for _ in flooder.ws:
                        pass

            reading = asyncio.create_task(read_all())
            try:
                for n in range(20_000):
                    await flooder.send(resend if n % 2 else ping)
                    if n % 50 == 0:
                        await asyncio.sleep(0)  # let the others run in this one process
            except ConnectionClosed:
                pass
            await flooder.ws.close()
            await reading
            return flooder.ws.close_code

        flooding = asyncio.create_task(flood())
        for up in [True, False] * 10:
            reply = await voter.request({"type": "vote", "question_id": 1, "up": up}, timeout=30)
            assert reply["type"] == "ack", reply
        code = await asyncio.wait_for(flooding, 30)
        assert code in (1008, 1006), f"the flooder was never closed (code {code})"
        await voter.close()
        await moderator.close()


# --- 7. per-address limits --------------------------------------------------------------


async def test_one_address_minting_client_ids_is_capped_and_the_moderator_told(
    hub_config: HubConfig,
) -> None:
    """Fresh client_ids from one address past the ceiling are refused; the moderator hears."""
    hub_config.new_clients_per_minute = 25
    hub_config.limit_loopback = True  # the test's clients are all on loopback
    async with Hub(hub_config) as hub:
        url = f"ws://127.0.0.1:{hub.port}"
        moderator = await RawClient.open(url, role="moderator", token=TOKEN)
        # A conference NAT: many real attendees behind one address all get in.
        crowd = [await RawClient.open(url) for _ in range(25)]
        assert all(c.welcome["type"] == "welcome" for c in crowd)
        extra = await RawClient.open(url)
        assert extra.welcome["type"] == "error" and extra.welcome["code"] == "rate_limited"
        notice = await moderator.expect("limit", limit="new_clients")
        assert notice["address"] == "127.0.0.1" and "25" in notice["message"]
        # People already known come back freely: a Wi-Fi blip must not lock the room out.
        back = await RawClient.open(url, client_id=crowd[0].welcome["client_id"])
        assert back.welcome["type"] == "welcome"
        for client in [*crowd, back, moderator]:
            await client.close()


async def test_one_address_flooding_questions_is_capped_and_the_moderator_told(
    hub_config: HubConfig,
) -> None:
    """Questions from one address past its ceiling are refused, however many ids it uses."""
    hub_config.questions_per_address_per_minute = 10
    hub_config.limit_loopback = True
    async with Hub(hub_config) as hub:
        url = f"ws://127.0.0.1:{hub.port}"
        moderator = await RawClient.open(url, role="moderator", token=TOKEN)
        clients = [await RawClient.open(url) for _ in range(12)]
        replies = [await c.ask(f"Question number {n}?") for n, c in enumerate(clients)]
        assert [r["type"] for r in replies] == ["ack"] * 10 + ["error"] * 2
        assert replies[-1]["code"] == "rate_limited"
        notice = await moderator.expect("limit", limit="questions")
        assert notice["address"] == "127.0.0.1"
        assert len(moderator.welcome["questions"]) == 0
        for client in [*clients, moderator]:
            await client.close()


def test_the_limits_are_options_of_serve_and_run_with_their_defaults() -> None:
    """``fireside serve --help`` and ``run --help`` show every per-address limit and default."""
    for command in ("serve", "run"):
        with pytest.raises(SystemExit), contextlib.redirect_stdout(io.StringIO()) as out:
            build_parser().parse_args([command, "--help"])
        text = " ".join(out.getvalue().split())
        for option, default in [
            ("--new-clients-per-minute", HubConfig.new_clients_per_minute),
            ("--questions-per-address-per-minute", HubConfig.questions_per_address_per_minute),
            ("--max-stages", HubConfig.max_stages),
        ]:
            assert option in text and f"(default: {default})" in text.split(option, 1)[1]
    args = build_parser().parse_args(["serve", "--new-clients-per-minute", "7"])
    assert hub_config(args).new_clients_per_minute == 7
