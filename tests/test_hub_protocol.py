"""The wire protocol over real loopback sockets: handshake, refusals, limits, health check."""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.http11 import Request

from fireside.admission import _ShortQueue
from fireside.hub import Hub
from fireside_ask import protocol as p

from .conftest import TOKEN
from .helpers import assert_error, closed_with, configure, hello, http_get, recv_json, refused_hello
from .wsclient import RawClient

DEADLINE = 5.0
"""Seconds any single expected reply may take before the test fails."""

# Asking for anyio_backend up front keeps @parametrize: anyio's plugin rebuilds (and loses
# the parameters of) async tests that only get their anyio mark from conftest.
pytestmark = pytest.mark.usefixtures("anyio_backend")














async def still_open(client: RawClient) -> None:
    """Prove the connection still works: a ping request is answered with a pong."""
    request_id = f"ping-{uuid.uuid4().hex[:8]}"
    await client.send({"type": "ping", "request_id": request_id})
    await client.expect("pong", request_id=request_id)




# --- welcome and the happy path ------------------------------------------------------


async def test_raw_client_gets_a_welcome_with_the_session(connect: Callable[..., Any]) -> None:
    """A client that says hello gets the session, its limits and an empty question list."""
    client = await connect(client_id="ada-welcome-1", name="Ada")
    welcome = client.welcome
    assert welcome["type"] == "welcome"
    assert welcome["protocol"] == p.PROTOCOL_VERSION
    assert (welcome["role"], welcome["client_id"], welcome["name"]) == (
        "attendee",
        "ada-welcome-1",
        "Ada",
    )
    assert welcome["session"]["title"]
    assert welcome["limits"]["question_chars"] == 500
    assert welcome["limits"]["frame_bytes"] == 4096
    assert (welcome["questions"], welcome["mine"], welcome["my_votes"]) == ([], [], [])
    assert welcome["on_air"] is None


async def test_ask_is_acknowledged_with_its_number(connect: Callable[..., Any]) -> None:
    """An attendee's question is confirmed with its number and pending state."""
    client = await connect()
    reply = await client.ask("What about Qwen?", request_id="my-first")
    assert reply == {"type": "ack", "request_id": "my-first", "question_id": 1, "state": "pending"}


async def test_open_connection_keeps_no_handshake_headers(hub: Hub, url: str) -> None:
    """A connected attendee still works, and the hub holds none of its handshake headers
    (10,000 attendees' headers were some 22 MB of the hub's memory)."""
    path = f"/?probe={uuid.uuid4().hex}"  # tells this connection's requests from others
    client = await RawClient.open(url.rstrip("/") + path, client_id="ada-headers-1")
    try:
        await still_open(client)
        (peer,) = hub.registry.peers
        assert peer.ws.response is None
        gc.collect()
        # websockets' parser keeps its own reference to the request: look at every copy.
        with_headers = [
            o for o in gc.get_objects() if isinstance(o, Request) and o.path == path and o.headers
        ]
        assert with_headers == [client.ws.request]  # only the client's own, on its side
    finally:
        await client.close()


def test_short_frame_queue_takes_and_puts_back_like_a_deque() -> None:
    """Frames a connection sends are handled in the order sent, also after a put-back
    (the hub's list-backed frame queue does what websockets' deque did)."""
    short: _ShortQueue[int] = _ShortQueue()
    reference: collections.deque[int] = collections.deque()
    for queue in (short, reference):
        queue.extend([1, 2, 3])
        first = queue.popleft()
        queue.extendleft(reversed([first, 9]))
        queue.append(4)
    assert list(short) == list(reference) == [1, 9, 2, 3, 4]
    assert [short.popleft() for _ in range(5)] == [reference.popleft() for _ in range(5)]


async def test_refusals_never_close_the_connection(connect: Callable[..., Any]) -> None:
    """After garbage, an unknown type, a too-long question and a forbidden action, asking works."""
    client = await connect()
    assert (await client.ask("First question"))["type"] == "ack"

    await client.send("{nope")
    assert_error(await client.expect("error"), p.BAD_MESSAGE)

    await client.send({"type": "dance", "request_id": "d1"})
    assert_error(await client.expect("error"), p.UNKNOWN_TYPE, "d1")

    reply = await client.ask("x" * 501, request_id="long1")
    assert_error(reply, p.TOO_LONG, "long1")

    reply = await client.request({"type": "approve", "question_id": 1, "request_id": "a1"})
    assert_error(reply, p.NOT_ALLOWED, "a1")

    await still_open(client)
    reply = await client.ask("Second question")
    assert reply["type"] == "ack" and reply["question_id"] == 2


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"\x00\x01binary", p.BAD_MESSAGE),
        ("[1, 2, 3]", p.BAD_MESSAGE),
        ('"just a string"', p.BAD_MESSAGE),
        ('{"no_type": 1}', p.BAD_MESSAGE),
        ('{"type": 7}', p.BAD_MESSAGE),
        ('{"type": ""}', p.BAD_MESSAGE),
        ('{"type": "ask", "text": "NaN", "n": NaN}', p.BAD_MESSAGE),
        ('{"type": "ask", "text": "no request id"}', p.BAD_MESSAGE),
        ('{"type": "ask", "request_id": "has space", "text": "hi"}', p.BAD_MESSAGE),
        ('{"type": "ask", "request_id": 5, "text": "hi"}', p.BAD_MESSAGE),
        ("[" * 4000, p.BAD_MESSAGE),
        ('{"type": "' + "z" * 1000 + '"}', p.UNKNOWN_TYPE),
    ],
    ids=[
        "binary",
        "array",
        "string",
        "no-type",
        "int-type",
        "empty-type",
        "nan",
        "ask-without-request-id",
        "bad-request-id",
        "int-request-id",
        "nested-4000",
        "long-unknown-type",
    ],
)
async def test_malformed_frame_is_a_bad_message_and_harmless(
    connect: Callable[..., Any], frame: str | bytes, code: str
) -> None:
    """A frame that breaks the protocol gets one error back and the connection stays usable."""
    client = await connect()
    await client.send(frame)
    reply = await client.expect("error")
    assert reply["code"] == code, reply
    assert len(reply["message"]) < 200
    await still_open(client)


@configure(max_frame=200_000)
async def test_json_nested_100000_deep_is_a_bad_message(connect: Callable[..., Any]) -> None:
    """A frame of 100,000 "[" (under a raised size limit) is a bad message, not a crash."""
    client = await connect()
    await client.send("[" * 100_000)
    assert_error(await client.expect("error"), p.BAD_MESSAGE)
    await still_open(client)


async def test_json_nested_100000_deep_is_refused_as_too_big_by_default(url: str) -> None:
    """With the default 4 KiB limit, 100,000 "[" never reach the parser: close 1009."""
    async with ws_connect(url) as ws:
        await ws.send(hello())
        assert (await recv_json(ws))["type"] == "welcome"
        await ws.send("[" * 100_000)
        assert await closed_with(ws) == p.CLOSE_TOO_BIG


async def test_stage_is_read_only(connect: Callable[..., Any]) -> None:
    """The stage screen can neither ask nor vote, but stays connected."""
    stage = await connect(role="stage")
    assert stage.welcome["role"] == "stage"
    assert_error(await stage.ask("Can I ask?", request_id="s1"), p.NOT_ALLOWED, "s1")
    reply = await stage.request({"type": "vote", "question_id": 1, "up": True, "request_id": "s2"})
    assert_error(reply, p.NOT_ALLOWED, "s2")
    await still_open(stage)


async def test_moderator_action_from_attendee_changes_nothing(connect: Callable[..., Any]) -> None:
    """An attendee who forges an approve gets not_allowed and the question stays pending."""
    attendee = await connect()
    asked = await attendee.ask("Pending question")
    for kind in sorted(p.QUESTION_ACTIONS | {"undo", "settings"}):
        reply = await attendee.request(
            {
                "type": kind,
                "question_id": asked["question_id"],
                "auto_approve": True,
                "text": "hacked",
                "into": 1,
            }
        )
        assert reply["code"] == p.NOT_ALLOWED, (kind, reply)
    moderator = await connect(role="moderator")
    (question,) = moderator.welcome["questions"]
    assert (question["state"], question["text"]) == ("pending", "Pending question")
    assert moderator.welcome["settings"]["auto_approve"] is False


# --- hello rules ---------------------------------------------------------------------


async def test_wrong_protocol_version_is_refused_and_closed(url: str) -> None:
    """A client from the future is told to update, then disconnected."""
    reply, code = await refused_hello(url, hello(protocol=2))
    assert_error(reply, p.UNSUPPORTED_PROTOCOL)
    assert code == p.CLOSE_POLICY


@pytest.mark.parametrize(
    "frame",
    [
        json.dumps({"type": "ask", "request_id": "r1", "text": "hi"}),
        "{nope",
        b"binary hello",
        hello(protocol=None),
        hello(client_id="short"),
        hello(client_id="has spaces in it"),
        hello(client_id=12345678),
        hello(role="admin"),
        hello(name=42),
    ],
    ids=[
        "ask-first",
        "garbage",
        "binary",
        "no-protocol",
        "short-client-id",
        "client-id-spaces",
        "int-client-id",
        "unknown-role",
        "int-name",
    ],
)
async def test_bad_first_frame_is_refused_and_closed(url: str, frame: str | bytes) -> None:
    """A connection whose first frame is not a valid hello gets an error and is closed."""
    reply, code = await refused_hello(url, frame)
    assert reply["type"] == "error"
    assert reply["code"] in (p.BAD_MESSAGE, p.UNSUPPORTED_PROTOCOL), reply
    assert code == p.CLOSE_POLICY


async def test_hello_twice_is_not_allowed_but_keeps_the_connection(
    connect: Callable[..., Any],
) -> None:
    """A second hello is refused; the client stays connected as it was."""
    client = await connect(client_id="ada-hello-twice")
    await client.send(hello(role="moderator", token=TOKEN, request_id="h2"))
    assert_error(await client.expect("error"), p.NOT_ALLOWED, "h2")
    await still_open(client)
    # Still an attendee: a moderator action is refused.
    reply = await client.request({"type": "undo"})
    assert reply["code"] == p.NOT_ALLOWED


@pytest.mark.parametrize(
    "token",
    ["wrong-token", None, 42, TOKEN.upper(), TOKEN + "x"],
    ids=["wrong", "missing", "not-a-string", "wrong-case", "longer"],
)
async def test_moderator_with_bad_token_is_refused_with_1008(url: str, token: object) -> None:
    """Without the right token nobody becomes moderator: bad_token, then close code 1008.

    (A token that is not a string is a field of the wrong kind: bad_message, issue 14.)
    """
    reply, code = await refused_hello(url, hello(role="moderator", token=token))
    assert_error(reply, p.BAD_MESSAGE if token == 42 else p.BAD_TOKEN)
    assert code == p.CLOSE_POLICY


async def test_moderator_hello_with_unencodable_token_is_refused_with_bad_token(url: str) -> None:
    """A token that is not even valid Unicode is just a wrong token: bad_token, close 1008."""
    frame = hello(role="moderator").replace('"role"', '"token": "\\ud800", "role"')
    assert '"token": "\\ud800"' in frame
    reply, code = await refused_hello(url, frame)
    assert_error(reply, p.BAD_TOKEN)
    assert code == p.CLOSE_POLICY


async def test_client_id_with_a_trailing_newline_is_refused(url: str) -> None:
    """A client id must be 8-64 letters, digits, _ or - and nothing else."""
    async with ws_connect(url) as ws:
        await ws.send(hello(client_id="abcdefgh\n"))
        assert_error(await recv_json(ws), p.BAD_MESSAGE)
        assert await closed_with(ws) == p.CLOSE_POLICY


async def test_request_id_with_a_trailing_newline_is_a_bad_message(
    connect: Callable[..., Any],
) -> None:
    """A request id must be 1-64 letters, digits or _.:- and nothing else."""
    client = await connect()
    await client.send({"type": "ask", "request_id": "r1\n", "text": "Sneaky id"})
    while (reply := await client.recv())["type"] not in ("ack", "error"):
        pass  # skip pushes such as presence
    assert reply["type"] == "error" and reply["code"] == p.BAD_MESSAGE, reply


async def test_wrong_tokens_are_rate_limited_but_never_lock_out_the_moderator(
    url: str, connect: Callable[..., Any]
) -> None:
    """Past five wrong tokens a minute guesses get rate_limited; the right token still works."""
    for _ in range(5):
        reply, code = await refused_hello(url, hello(role="moderator", token="guess"))
        assert_error(reply, p.BAD_TOKEN)
    reply, code = await refused_hello(url, hello(role="moderator", token="guess"))
    assert_error(reply, p.RATE_LIMITED)
    assert code == p.CLOSE_POLICY
    moderator = await connect(role="moderator")
    assert moderator.welcome["role"] == "moderator"


async def test_protocol_true_is_not_protocol_one(url: str) -> None:
    """A hello with "protocol": true is refused, although true == 1 in Python."""
    frame = hello().replace('"protocol": 1', '"protocol": true')
    assert '"protocol": true' in frame
    reply, code = await refused_hello(url, frame)
    assert_error(reply, p.UNSUPPORTED_PROTOCOL)


async def test_moderator_with_the_token_is_welcomed(connect: Callable[..., Any]) -> None:
    """The right token makes a moderator, who sees the undo state."""
    moderator = await connect(role="moderator")
    assert moderator.welcome["role"] == "moderator"
    assert moderator.welcome["undo"] is None


@configure(hello_timeout=0.3)
async def test_silent_connection_is_closed_after_the_hello_timeout(url: str) -> None:
    """A connection that never says hello is told so and closed."""
    async with ws_connect(url) as ws:
        assert_error(await recv_json(ws), p.BAD_MESSAGE)
        assert await closed_with(ws) == p.CLOSE_POLICY


# --- frame limits and persistent bad frames -----------------------------------------


async def test_frame_of_exactly_4096_bytes_is_accepted(connect: Callable[..., Any]) -> None:
    """A frame right at the size limit is processed normally."""
    client = await connect()
    head = '{"type":"ask","request_id":"edge","text":"Edge question'
    frame = head + " " * (4096 - len(head) - 2) + '"}'
    assert len(frame.encode()) == 4096
    await client.send(frame)
    reply = await client.expect("ack", request_id="edge")
    assert reply["question_id"] == 1


async def test_frame_over_4096_bytes_closes_with_1009(connect: Callable[..., Any]) -> None:
    """A frame one byte over the limit closes that connection with code 1009."""
    client = await connect()
    head = '{"type":"ask","request_id":"big","text":"Big question'
    frame = head + " " * (4097 - len(head) - 2) + '"}'
    assert len(frame.encode()) == 4097
    await client.send(frame)
    assert await closed_with(client.ws) == p.CLOSE_TOO_BIG


async def test_more_than_20_bad_frames_a_minute_close_with_1008(
    connect: Callable[..., Any],
) -> None:
    """Twenty bad frames are each answered; the twenty-first gets an answer and a 1008 close."""
    client = await connect()
    for n in range(20):
        await client.send("{nope" if n % 2 else {"type": "dance"})
        assert (await client.expect("error"))["code"] in (p.BAD_MESSAGE, p.UNKNOWN_TYPE)
    await still_open(client)
    await client.send("{nope")
    assert_error(await client.expect("error"), p.BAD_MESSAGE)
    assert await closed_with(client.ws) == p.CLOSE_POLICY


async def test_refusals_of_well_formed_requests_are_not_bad_frames(
    connect: Callable[..., Any],
) -> None:
    """Many too-long questions or forbidden actions are refused, never punished with a close."""
    client = await connect()
    for n in range(30):
        if n % 2:
            reply = await client.ask("x" * 501)
            assert reply["code"] == p.TOO_LONG
        else:
            reply = await client.request({"type": "approve", "question_id": 1})
            assert reply["code"] == p.NOT_ALLOWED
    await still_open(client)


async def test_bad_frames_on_one_connection_do_not_affect_another(
    connect: Callable[..., Any],
) -> None:
    """One client closed for garbage does not disturb a well-behaved neighbour."""
    rude, polite = await connect(), await connect()
    for _ in range(21):
        await rude.send("{nope")
    assert await closed_with(rude.ws) == p.CLOSE_POLICY
    assert (await polite.ask("Am I still here?"))["type"] == "ack"


# --- plain HTTP, origins and the connection cap --------------------------------------




async def test_healthz_answers_ok_over_plain_http(hub: Hub) -> None:
    """A load balancer's plain GET /healthz gets 200 "ok"."""
    status, body = await http_get(hub.port, "/healthz")
    assert status == 200
    assert body.strip() == b"ok"


async def refused_browser(url: str, origin: str) -> tuple[dict[str, Any], int | None]:
    """Open a websocket as a page on ``origin`` would; return the hub's frame and close code."""
    async with ws_connect(url, origin=origin, open_timeout=DEADLINE) as ws:  # type: ignore[arg-type]
        frame = await recv_json(ws)
        return frame, await closed_with(ws)


async def test_browser_from_a_foreign_origin_is_refused(url: str) -> None:
    """A web page on another site is told it may not connect, and nothing it sends is read."""
    frame, code = await refused_browser(url, "https://evil.example")
    assert (frame["type"], frame["code"]) == ("error", p.NOT_ALLOWED)
    assert "not allowed" in frame["message"]
    assert code == 1008


@configure(allowed_origins=("https://talks.example",))
async def test_foreign_origin_not_listed_is_refused_even_when_others_are_allowed(
    url: str,
) -> None:
    """Allowing one site does not open the hub to every site."""
    frame, code = await refused_browser(url, "https://evil.example")
    assert frame["code"] == p.NOT_ALLOWED and code == 1008


async def test_the_hubs_own_page_origin_is_allowed_without_a_setting(hub: Hub, url: str) -> None:
    """The page the hub serves (same host and port) connects with no --allow-origin."""
    async with ws_connect(url, origin=f"http://127.0.0.1:{hub.port}") as ws:  # type: ignore[arg-type]
        await ws.send(hello())
        assert (await recv_json(ws))["type"] == "welcome"
    frame, _ = await refused_browser(url, f"https://127.0.0.1:{hub.port}")  # not under TLS
    assert frame["code"] == p.NOT_ALLOWED
    frame, _ = await refused_browser(url, f"http://127.0.0.1:{hub.port + 1}")
    assert frame["code"] == p.NOT_ALLOWED


@configure(allowed_origins=("https://evil.example",))
async def test_listed_origin_is_allowed(url: str) -> None:
    """A site the organiser allowed can connect and gets a welcome."""
    async with ws_connect(url, origin="https://evil.example") as ws:
        await ws.send(hello())
        assert (await recv_json(ws))["type"] == "welcome"


@configure(max_connections=3, place_hold=0.0)
async def test_attendee_over_the_cap_is_refused_and_freed_slots_reopen(
    hub: Hub, url: str, connect: Callable[..., Any]
) -> None:
    """A newcomer to a full room is told so; others keep working and freed slots reopen.

    (The handshake keeps a small reserve for moderators, so an attendee past the cap is
    refused at hello; past the reserve too, with HTTP 503: see test_hardening.py. A place
    is held for its attendee for ``place_hold`` seconds, here none: see test_protocol_v1.)
    """
    clients = [await connect() for _ in range(3)]
    refused = await connect()
    assert refused.welcome["type"] == "error" and refused.welcome["code"] == p.RATE_LIMITED
    assert "full" in refused.welcome["message"]
    status, _ = await http_get(hub.port, "/healthz")
    assert status == 200
    assert (await clients[0].ask("Still served?"))["type"] == "ack"

    await clients[1].close()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while True:  # the hub notices the departure asynchronously: poll with a deadline
        newcomer = await connect()
        if newcomer.welcome["type"] == "welcome":
            break
        assert loop.time() < deadline, "a freed slot never became available"
        await asyncio.sleep(0.02)
    assert (await newcomer.ask("Got in after someone left"))["type"] == "ack"
