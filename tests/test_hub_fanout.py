"""Pushes to a large room: sliced fan-out, presence cadence and the shared welcome.

The hub writes to a big audience a slice at a time (so that an ack never waits behind
thousands of writes), tells attendees the connected count less often than moderators, and
encodes the public questions once for every arriving attendee. These tests shrink the
sizes (a slice of 2 connections) so that a handful of real clients exercise the same paths,
and check what people see: every push, in order, and a welcome that is never stale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .helpers import configure
from .wsclient import RawClient

pytestmark = pytest.mark.usefixtures("anyio_backend")

Connect = Callable[..., Any]


async def question_ids_seen(client: RawClient, count: int) -> list[int]:
    """The ids of the next ``count`` ``question`` pushes this client receives, in order."""
    seen: list[int] = []
    while len(seen) < count:
        message = await client.expect("question")
        seen.append(message["question"]["id"])
    return seen


@configure(fanout_slice=2, fanout_budget=0.0, auto_approve=True)
@pytest.mark.anyio
async def test_every_attendee_sees_every_new_question_in_order_when_pushes_go_out_in_slices(
    connect: Connect,
) -> None:
    """Eight attendees (pushes go out two connections at a time): five of them ask at the
    same moment, and everyone sees all five questions in the order the hub took them."""
    attendees = [await connect() for _ in range(8)]
    # Sent at once from five connections, so that several pushes to the room are queued
    # together (one connection's requests are handled one after another).
    for n, attendee in enumerate(attendees[:5]):
        await attendee.send({"type": "ask", "request_id": f"q{n}", "text": f"Question {n}?"})
    ids = sorted(
        [
            (await a.expect("ack", request_id=f"q{n}"))["question_id"]
            for n, a in enumerate(attendees[:5])
        ]
    )
    for attendee in attendees:
        assert await question_ids_seen(attendee, 5) == ids


@configure(fanout_slice=2, fanout_budget=0.0, auto_approve=True)
@pytest.mark.anyio
async def test_an_attendee_gets_its_ack_while_a_push_to_the_room_is_still_going_out(
    connect: Connect,
) -> None:
    """With pushes in slices, an attendee's vote is acknowledged and every attendee ends up
    with the final count: the ack does not get lost or stuck behind the fan-out."""
    attendees = [await connect() for _ in range(6)]
    asked = await attendees[0].ask("How do you budget GPU capacity?")
    question_id = asked["question_id"]
    for attendee in attendees:
        reply = await attendee.request({"type": "vote", "question_id": question_id})
        assert reply["type"] == "ack" and reply["changed"] is True
    for attendee in attendees:
        await attendee.expect("votes", counts={str(question_id): 6})


@configure(push_interval=0.05, attendee_presence_interval=3600.0)
@pytest.mark.anyio
async def test_attendees_get_the_connected_count_less_often_than_the_moderator(
    connect: Connect,
) -> None:
    """While people keep arriving, the moderator's count follows every change; an attendee
    got the first count at once and no more within its slower cadence."""
    moderator = await connect("moderator")
    first = await connect()
    await moderator.expect("presence", connected=1)
    await first.expect("presence", connected=1)
    await connect()
    await moderator.expect("presence", connected=2)
    # A push to everyone after that tick: had the attendee been sent the new count, it
    # would be in its stream before this one.
    await moderator.request({"type": "settings", "auto_approve": True})
    await first.expect("settings", auto_approve=True)
    assert [m for m in first.backlog if m["type"] == "presence"] == []


@configure(push_interval=0.05, attendee_presence_interval=0.2)
@pytest.mark.anyio
async def test_attendees_end_up_with_the_right_connected_count(connect: Connect) -> None:
    """However fast people arrive, an attendee's count settles on how many are connected."""
    first = await connect()
    for _ in range(4):
        await connect()
    await first.expect("presence", connected=5)


@configure(auto_approve=True)
@pytest.mark.anyio
async def test_a_newcomer_s_welcome_shows_the_room_as_it_is_now(connect: Connect) -> None:
    """Each arriving attendee's welcome has the latest votes, edits and removals, even
    though the public questions are encoded once and shared between welcomes."""
    moderator = await connect("moderator")
    asker = await connect()
    question_id = (await asker.ask("What hardware do you need to serve DeepSeek?"))["question_id"]
    other_id = (await asker.ask("Is synthetic training data a trap?"))["question_id"]

    def public(client: RawClient) -> dict[int, dict[str, Any]]:
        return {q["id"]: q for q in client.welcome["questions"]}

    early = await connect()
    assert public(early)[question_id]["votes"] == 0
    assert (await early.request({"type": "vote", "question_id": question_id}))["type"] == "ack"
    after_vote = await connect()
    assert public(after_vote)[question_id]["votes"] == 1
    assert public(await connect())[question_id]["votes"] == 1  # same state, same answer

    edit = {"type": "edit", "question_id": question_id, "text": "Which GPUs serve DeepSeek?"}
    assert (await moderator.request(edit))["type"] == "ack"
    after_edit = await connect()
    assert public(after_edit)[question_id]["text"] == "Which GPUs serve DeepSeek?"

    reject = {"type": "reject", "question_id": other_id}
    assert (await moderator.request(reject))["type"] == "ack"
    after_reject = await connect()
    assert other_id not in public(after_reject)
    assert after_reject.welcome["type"] == "welcome"
    assert after_reject.welcome["connected"] == 6
