"""Protocol v1 edges found by a client written from the doc alone, over real sockets.

Each test is one of the behaviours of issue 14: what a third-party client sees at the edge.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from websockets.asyncio.client import connect as ws_connect

from fireside.hub import Hub
from fireside_ask import protocol as p

from .helpers import assert_error, closed_with, configure, hello, http_get, recv_json, refused_hello
from .wsclient import RawClient

pytestmark = pytest.mark.usefixtures("anyio_backend")

Connect = Callable[..., Any]




async def act(moderator: RawClient, kind: str, question_id: int, **fields: Any) -> dict[str, Any]:
    return await moderator.request({"type": kind, "question_id": question_id, **fields})


async def asked(client: RawClient, text: str) -> int:
    reply = await client.ask(text)
    assert reply["type"] == "ack", reply
    return int(reply["question_id"])


# --- 1, 2: resending an ask ------------------------------------------------------------


async def test_resend_of_a_rejected_question_does_not_tell_the_asker(connect: Connect) -> None:
    """An asker resending after a rejection gets its number back, not the word "rejected"."""
    asker = await connect()
    moderator = await connect("moderator")
    first = await asker.ask("Will this be rejected?", request_id="q-1")
    assert first["state"] == p.PENDING
    assert (await act(moderator, "reject", first["question_id"]))["type"] == "ack"

    again = await asker.ask("Will this be rejected?", request_id="q-1")
    assert again["type"] == "ack", again
    assert (again["question_id"], again["duplicate"]) == (first["question_id"], True)
    assert "state" not in again, again


async def test_same_request_id_with_another_text_is_a_conflict(connect: Connect) -> None:
    """Reusing a request_id for a different question is refused, not silently dropped."""
    asker = await connect()
    assert (await asker.ask("The first question", request_id="q-1"))["type"] == "ack"
    reply = await asker.ask("A different question", request_id="q-1")
    assert_error(reply, p.CONFLICT, "q-1")
    assert "q-1" in reply["message"]
    # The same text again is still a plain resend.
    assert (await asker.ask("The first question", request_id="q-1"))["duplicate"] is True


# --- 3: merge ----------------------------------------------------------------------------


async def test_merge_into_a_pending_question_is_refused(connect: Connect) -> None:
    """Merging into a question nobody approved is refused, so it never goes public that way."""
    asker, other = await connect(), await connect()
    moderator = await connect("moderator")
    approved = await asked(asker, "Approved one")
    pending = await asked(asker, "Still pending")
    assert (await act(moderator, "approve", approved))["type"] == "ack"

    reply = await act(moderator, "merge", approved, into=pending)
    assert_error(reply, p.INVALID_STATE, reply["request_id"])
    assert "approve" in reply["message"]
    await other.send({"type": "ping", "request_id": "p-1"})
    await other.expect("pong", request_id="p-1")  # every earlier push has arrived by now
    assert not [m for m in other.backlog if m.get("question", {}).get("id") == pending]


# --- 4: idempotent moderator requests ---------------------------------------------------


async def test_moderator_request_repeated_with_its_request_id_acts_once(connect: Connect) -> None:
    """A dashboard resending a pin after a reconnect does not toggle it back."""
    asker = await connect()
    qid = await asked(asker, "Pin me once")
    moderator = await connect("moderator")
    first = await moderator.request({"type": "pin", "question_id": qid, "request_id": "m-1"})
    again = await moderator.request({"type": "pin", "question_id": qid, "request_id": "m-1"})
    assert first["type"] == again["type"] == "ack"
    assert again["action_id"] == first["action_id"]
    assert again["duplicate"] is True

    fresh = await connect("moderator", client_id=moderator.welcome["client_id"])
    (question,) = [q for q in fresh.welcome["questions"] if q["id"] == qid]
    assert question["pinned"] is True
    assert fresh.welcome["undo"]["action_id"] == first["action_id"]


async def test_repeated_refused_moderator_request_gives_the_same_refusal(connect: Connect) -> None:
    """A repeat of a refused request is refused the same way and changes nothing."""
    moderator = await connect("moderator")
    first = await moderator.request({"type": "undo", "request_id": "u-1"})
    again = await moderator.request({"type": "undo", "request_id": "u-1"})
    assert_error(first, p.NOTHING_TO_UNDO, "u-1")
    assert (again["code"], again["message"]) == (first["code"], first["message"])


# --- 5: wrong-kind fields ----------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        {"type": "ask", "text": 5},
        {"type": "vote", "question_id": "1"},
        {"type": "vote", "question_id": 1, "up": "yes"},
        {"type": "clock", "action": "adjust", "seconds": "60"},
        {"type": "clock", "action": "dance"},
        {"type": "pin", "question_id": 1, "pinned": 1},
        {"type": "edit", "question_id": 1, "text": ["a"]},
        {"type": "settings", "auto_approve": "true"},
    ],
    ids=["ask-text", "vote-id", "vote-up", "clock-seconds", "clock-action", "pin", "edit", "set"],
)
async def test_field_of_the_wrong_kind_is_a_bad_message_naming_it(
    connect: Connect, request_: dict[str, Any]
) -> None:
    """A field of the wrong kind is refused as bad_message, and the message names the field."""
    moderator = await connect("moderator")
    await asked(moderator, "Something to act on")
    reply = await moderator.request(dict(request_))
    assert_error(reply, p.BAD_MESSAGE, reply["request_id"])
    named = [k for k in request_ if k != "type"]
    assert any(f'"{k}"' in reply["message"] for k in named), reply


@pytest.mark.parametrize("stray", [5, {"a": 1}, ["x"]], ids=["int", "object", "list"])
async def test_an_undeclared_field_of_any_kind_is_ignored(connect: Connect, stray: Any) -> None:
    """A field a request does not declare (here client_id after hello) is ignored, never a crash."""
    moderator = await connect("moderator")
    question = await asked(moderator, "Something to act on")
    reply = await moderator.request(
        {"type": "approve", "question_id": question, "client_id": stray}
    )
    assert reply["type"] == "ack", reply
    # Still connected and served:
    assert (await moderator.request({"type": "pin", "question_id": question}))["type"] == "ack"


@configure(bad_frames_per_minute=3)
async def test_fields_of_the_wrong_kind_count_toward_the_bad_frame_limit(
    connect: Connect,
) -> None:
    """A client sending wrong-kind fields over and over is cut like one sending garbage."""
    client = await connect()
    for _ in range(3):
        reply = await client.request({"type": "vote", "question_id": "1"})
        assert_error(reply, p.BAD_MESSAGE, reply["request_id"])
    await client.send({"type": "ask", "request_id": "q-9", "text": 5})
    assert await closed_with(client.ws) == p.CLOSE_POLICY


# --- 6, 7: the first frame --------------------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        json.dumps({"type": "ask", "request_id": "first-1", "text": "hi"}),
        hello(protocol=2, request_id="first-1"),
        hello(client_id="short", request_id="first-1"),
    ],
    ids=["ask-first", "other-version", "bad-client-id"],
)
async def test_error_on_the_first_frame_carries_its_request_id(url: str, frame: str) -> None:
    """A refused first frame is answered with the request_id it had, then closed."""
    reply, code = await refused_hello(url, frame)
    assert reply["type"] == "error" and reply["request_id"] == "first-1", reply
    assert code == p.CLOSE_POLICY


async def test_protocol_one_written_as_a_float_is_welcomed(url: str) -> None:
    """A JSON encoder that writes 1 as 1.0 still gets in."""
    async with ws_connect(url) as ws:
        await ws.send(hello(protocol=1.0))
        assert (await recv_json(ws))["type"] == "welcome"


async def test_protocol_one_written_as_a_string_is_refused(url: str) -> None:
    """ "1" is not a version number: the client is told to update, then closed."""
    reply, code = await refused_hello(url, hello(protocol="1"))
    assert_error(reply, p.UNSUPPORTED_PROTOCOL)
    assert code == p.CLOSE_POLICY


# --- 8: a full room ----------------------------------------------------------------------


@configure(max_connections=2)
async def test_attendee_reconnecting_to_a_full_room_gets_its_place_back(
    hub: Hub, connect: Connect
) -> None:
    """Someone whose Wi-Fi dropped gets back in; a newcomer cannot take their place meanwhile."""
    await connect(client_id="stays-here-1")
    leaving = await connect(client_id="comes-back-1")
    await leaving.close()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while hub.connected != 1:  # the hub notices the departure asynchronously
        assert loop.time() < deadline, "the hub never noticed the departure"
        await asyncio.sleep(0.01)

    newcomer = await connect()
    assert_error(newcomer.welcome, p.RATE_LIMITED)
    assert newcomer.welcome["retry_after"] > 0
    back = await connect(client_id="comes-back-1")
    assert back.welcome["type"] == "welcome", back.welcome


# --- 9: health check ---------------------------------------------------------------------


async def test_healthz_with_a_query_string_answers_ok(hub: Hub) -> None:
    """A probe that adds a query string (cache busting) still gets 200 "ok"."""
    status, body = await http_get(hub.port, "/healthz?x=1")
    assert (status, body.strip()) == (200, b"ok")


# --- 10: voting ----------------------------------------------------------------------------


async def test_voting_follows_what_each_client_can_see(connect: Connect) -> None:
    """Votes are taken on what a client sees; a hidden question is simply not there."""
    asker, other = await connect(), await connect()
    moderator = await connect("moderator")
    rejected = await asked(asker, "Rejected soon")
    pending = await asked(asker, "Still pending")
    assert (await act(moderator, "reject", rejected))["type"] == "ack"

    reply = await asker.request({"type": "vote", "question_id": rejected})
    assert_error(reply, p.NOT_FOUND, reply["request_id"])  # as in `mine`: not there
    reply = await other.request({"type": "vote", "question_id": pending})
    assert_error(reply, p.NOT_FOUND, reply["request_id"])
    assert (await asker.request({"type": "vote", "question_id": pending}))["type"] == "ack"
    # The moderator sees every question: a pending one takes the vote, a rejected one cannot.
    assert (await moderator.request({"type": "vote", "question_id": pending}))["votes"] == 2
    reply = await moderator.request({"type": "vote", "question_id": rejected})
    assert_error(reply, p.INVALID_STATE, reply["request_id"])


async def test_vote_for_a_merged_question_counts_for_its_target(connect: Connect) -> None:
    """A vote for a merged question is acknowledged as a vote for the one it went into."""
    asker, other = await connect(), await connect()
    moderator = await connect("moderator")
    source, target = await asked(asker, "Source"), await asked(asker, "Target")
    for qid in (source, target):
        assert (await act(moderator, "approve", qid))["type"] == "ack"
    assert (await act(moderator, "merge", source, into=target))["type"] == "ack"
    reply = await other.request({"type": "vote", "question_id": source})
    assert (reply["question_id"], reply["votes"]) == (target, 1)


# --- 11: on_air to moderators ------------------------------------------------------------


async def test_on_air_push_to_moderators_is_the_moderator_form(connect: Connect) -> None:
    """The dashboard's on-air card gets who asked and the original text, like every push."""
    asker = await connect(client_id="asker-on-air-1")
    attendee = await connect()
    qid = await asked(asker, "On air please")
    moderator = await connect("moderator")
    assert (await act(moderator, "on_air", qid))["type"] == "ack"
    pushed = await moderator.expect("on_air")
    assert pushed["question"]["client_id"] == "asker-on-air-1"
    assert "original_text" in pushed["question"]
    public = await attendee.expect("on_air")
    assert "client_id" not in public["question"]


# --- rate limits -------------------------------------------------------------------------


async def test_rate_limited_says_when_to_try_again(connect: Connect) -> None:
    """A refusal for asking too fast carries retry_after, in seconds, for programs."""
    asker = await connect()
    for n in range(p.QUESTIONS_PER_MINUTE):
        await asked(asker, f"Question {n}")
    reply = await asker.ask("One too many")
    assert_error(reply, p.RATE_LIMITED, reply["request_id"])
    assert isinstance(reply["retry_after"], float) and 0 < reply["retry_after"] <= 60


# --- the schema itself ------------------------------------------------------------------


async def test_every_reply_of_a_session_matches_the_schema(connect: Connect) -> None:
    """Whatever the hub sends in a busy session reads back through the one decoder."""
    asker = await connect()
    moderator = await connect("moderator")
    qid = await asked(asker, "Schema?")
    for kind, fields in [
        ("approve", {}),
        ("pin", {}),
        ("topic", {"topic": "x"}),
        ("edit", {"text": "Schema!"}),
        ("on_air", {}),
    ]:
        assert (await act(moderator, kind, qid, **fields))["type"] == "ack"
    for message in (
        {"type": "vote", "question_id": qid},
        {"type": "undo"},
        {"type": "settings", "auto_approve": False},
        {"type": "clock", "action": "start"},
        {"type": "export"},
    ):
        reply = await moderator.request(dict(message))
        assert reply["type"] == "ack", reply
    # RawClient reads every frame through p.decode_message: each one matched its declaration.
    await moderator.send({"type": "ping", "request_id": "p-1"})
    await moderator.expect("pong", request_id="p-1")
