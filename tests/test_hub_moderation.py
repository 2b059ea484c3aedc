"""Moderator actions, visibility, votes and rate limits, over real sockets and the real database.

Each action is checked three ways: the moderator's ack, the row the hub committed (read
through a separate SQLite connection, which WAL allows while the hub runs), and what an
attendee and the moderator are pushed.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fireside.hub import HubConfig
from fireside_ask import protocol as p

from .helpers import configure, db_rows
from .wsclient import RawClient

# Asking for anyio_backend up front keeps @parametrize: anyio's plugin rebuilds (and loses
# the parameters of) async tests that only get their anyio mark from conftest.
pytestmark = pytest.mark.usefixtures("anyio_backend")

Connect = Callable[..., Any]






# --- helpers -----------------------------------------------------------------------




def stored_question(db_path: Path, question_id: int) -> dict[str, Any]:
    (row,) = db_rows(db_path, "SELECT * FROM questions WHERE id = ?", question_id)
    return row


def stored_actions(db_path: Path) -> list[dict[str, Any]]:
    rows = db_rows(db_path, "SELECT * FROM actions ORDER BY id")
    for row in rows:
        row["before"], row["after"] = json.loads(row["before"]), json.loads(row["after"])
    return rows


async def settle(client: RawClient) -> list[dict[str, Any]]:
    """Everything pushed to ``client`` so far, in order, leaving its backlog empty.

    The hub pushes an action's consequences before it reads its next frame, and frames on one
    connection arrive in order, so once our ping's pong arrives every earlier push is in.
    """
    request_id = f"sync-{uuid.uuid4().hex[:12]}"
    await client.send({"type": "ping", "request_id": request_id})
    await client.expect("pong", request_id=request_id)
    received, client.backlog = client.backlog, []
    return received


def of_type(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in messages if m["type"] == kind]


def question_pushes(messages: list[dict[str, Any]], question_id: int) -> list[dict[str, Any]]:
    """The ``question`` views pushed for one question id."""
    return [
        m["question"] for m in of_type(messages, "question") if m["question"]["id"] == question_id
    ]


async def act(
    moderator: RawClient, kind: str, question_id: int | None = None, **fields: Any
) -> dict[str, Any]:
    """Send one moderator request and require an ack."""
    message: dict[str, Any] = {"type": kind, **fields}
    if question_id is not None:
        message["question_id"] = question_id
    reply = await moderator.request(message)
    assert reply["type"] == "ack", reply
    return reply


async def asked(client: RawClient, text: str) -> int:
    reply = await client.ask(text)
    assert reply["type"] == "ack", reply
    return int(reply["question_id"])


async def hinted(moderator: RawClient, db_path: Path, question_id: int) -> None:
    """Wait (with a deadline) until the question's topic hint is pushed and stored.

    The hint is a legitimate later write: it is computed after the ack, pushed to moderators
    and stored with the next group commit, so a test comparing the store before and after a
    refused action must first let it land.
    """
    loop = asyncio.get_running_loop()
    while True:
        pushed = (await moderator.expect("question"))["question"]
        if pushed["id"] == question_id and pushed["suggested_topic"] is not None:
            break
    deadline = loop.time() + 5
    while stored_question(db_path, question_id)["suggested_topic"] is None:
        assert loop.time() < deadline, f"the hint of #{question_id} was never stored"
        await asyncio.sleep(0.01)


async def votes_reaching(client: RawClient, question_id: int, count: int) -> dict[str, Any]:
    """Wait (with a deadline) for a coalesced ``votes`` push showing ``count``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while True:
        for index, message in enumerate(client.backlog):
            if message["type"] == "votes" and message["counts"].get(str(question_id)) == count:
                return client.backlog.pop(index)
        left = deadline - loop.time()
        assert left > 0, f"no votes push with #{question_id}={count}: {client.backlog}"
        client.backlog.append(await client.read(left))


@pytest.fixture
async def moderator(connect: Connect) -> RawClient:
    return await connect(role="moderator", client_id="moderator-01")


@pytest.fixture
async def asker(connect: Connect) -> RawClient:
    return await connect(client_id="asker-ada-01", name="Ada")


@pytest.fixture
async def observer(connect: Connect) -> RawClient:
    return await connect(client_id="observer-bob-01", name="Bob")


# --- each moderator action over the wire ------------------------------------------


async def test_approve_shows_the_question_to_everyone(
    hub_config: HubConfig, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """Once approved, every attendee sees the question; the moderator can undo it."""
    qid = await asked(asker, "What about Qwen?")
    ack = await act(moderator, "approve", qid)
    assert ack["question_id"] == qid and ack["action_id"] == 1

    row = stored_question(hub_config.db_path, qid)
    assert row["state"] == "approved" and row["approved_at"] is not None
    (action,) = stored_actions(hub_config.db_path)
    assert (action["id"], action["kind"], action["question_id"], action["undone"]) == (
        1,
        "approve",
        qid,
        0,
    )
    assert action["before"][0]["state"] == "pending"
    assert action["after"][0]["state"] == "approved"

    (seen,) = question_pushes(await settle(observer), qid)
    assert (seen["state"], seen["text"], seen["name"]) == ("approved", "What about Qwen?", "Ada")
    assert "client_id" not in seen and "original_text" not in seen
    pushed = await settle(moderator)
    # When it arrived, when its topic hint was ready (after the ack), when approved.
    asked_view, hinted, view = question_pushes(pushed, qid)
    assert asked_view["state"] == "pending" and asked_view["suggested_topic"] is None
    assert hinted["state"] == "pending" and hinted["suggested_topic"] is not None
    assert view["state"] == "approved" and view["client_id"] == "asker-ada-01"
    assert of_type(pushed, "undo")[-1]["next"] == {
        "action_id": 1,
        "kind": "approve",
        "question_id": qid,
    }


async def test_reject_removes_an_approved_question_from_attendees(
    hub_config: HubConfig, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """A question rejected after approval disappears from every attendee's list."""
    qid = await asked(asker, "Off-topic question")
    await act(moderator, "approve", qid)
    await settle(observer)
    await act(moderator, "reject", qid)

    assert stored_question(hub_config.db_path, qid)["state"] == "rejected"
    pushed = await settle(observer)
    assert of_type(pushed, "question_removed") == [
        {"type": "question_removed", "id": qid, "merged_into": None}
    ]
    assert question_pushes(pushed, qid) == []
    assert any(m["id"] == qid for m in of_type(await settle(asker), "question_removed"))
    assert question_pushes(await settle(moderator), qid)[-1]["state"] == "rejected"


async def test_reject_of_a_pending_question_tells_only_its_author(
    hub_config: HubConfig, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """Rejecting from the queue removes the question from its author's list only."""
    qid = await asked(asker, "Spam spam spam")
    await act(moderator, "reject", qid)
    assert stored_question(hub_config.db_path, qid)["state"] == "rejected"
    assert of_type(await settle(asker), "question_removed") == [
        {"type": "question_removed", "id": qid, "merged_into": None}
    ]
    observed = await settle(observer)
    assert [m for m in observed if m["type"] != "presence"] == []


async def test_on_air_is_announced_and_the_previous_one_becomes_answered(
    hub_config: HubConfig, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """Putting a question on air tells everyone; the one on air before is marked answered."""
    first = await asked(asker, "First question")
    second = await asked(asker, "Second question")
    await act(moderator, "approve", first)
    await act(moderator, "approve", second)
    await settle(observer)

    await act(moderator, "on_air", first)
    row = stored_question(hub_config.db_path, first)
    assert row["state"] == "on_air" and row["on_air_at"] is not None
    (on_air,) = of_type(await settle(observer), "on_air")
    assert on_air["question"]["id"] == first and on_air["question"]["state"] == "on_air"

    await act(moderator, "on_air", second)
    previous = stored_question(hub_config.db_path, first)
    assert previous["state"] == "answered" and previous["answered_at"] is not None
    assert stored_question(hub_config.db_path, second)["state"] == "on_air"
    pushed = await settle(observer)
    assert [m["question"]["id"] for m in of_type(pushed, "on_air")] == [second]
    assert question_pushes(pushed, first)[-1]["state"] == "answered"
    assert of_type(await settle(moderator), "on_air")[-1]["question"]["id"] == second


async def test_pending_question_can_go_on_air_directly(
    hub_config: HubConfig, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """A question put on air straight from the queue is approved on the way and seen by all."""
    qid = await asked(asker, "Straight to air")
    await act(moderator, "on_air", qid)
    row = stored_question(hub_config.db_path, qid)
    assert row["state"] == "on_air" and row["approved_at"] is not None
    (on_air,) = of_type(await settle(observer), "on_air")
    assert on_air["question"]["text"] == "Straight to air"


async def test_answered_takes_the_question_off_air(
    hub_config: HubConfig, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """Marking the question on air as answered clears the on-air slot for everyone."""
    qid = await asked(asker, "Answer me")
    await act(moderator, "on_air", qid)
    await settle(observer)
    await act(moderator, "answered", qid)
    row = stored_question(hub_config.db_path, qid)
    assert row["state"] == "answered" and row["answered_at"] is not None
    pushed = await settle(observer)
    assert of_type(pushed, "on_air") == [{"type": "on_air", "question": None}]
    assert question_pushes(pushed, qid)[-1]["state"] == "answered"


async def test_pin_is_stored_and_shown(
    hub_config: HubConfig, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """A pinned question is marked pinned for every attendee."""
    qid = await asked(asker, "Pin me")
    await act(moderator, "approve", qid)
    await settle(observer)
    await act(moderator, "pin", qid, pinned=True)
    assert stored_question(hub_config.db_path, qid)["pinned"] == 1
    assert question_pushes(await settle(observer), qid)[-1]["pinned"] is True


async def test_edit_changes_the_text_and_keeps_the_original(
    hub_config: HubConfig, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """Attendees see the edited wording; the moderator still sees what was typed."""
    qid = await asked(asker, "wat about qwen")
    await act(moderator, "approve", qid)
    await settle(observer)
    await settle(moderator)
    await act(moderator, "edit", qid, text="What about Qwen?")
    row = stored_question(hub_config.db_path, qid)
    assert (row["text"], row["original_text"]) == ("What about Qwen?", "wat about qwen")
    assert question_pushes(await settle(observer), qid)[-1]["text"] == "What about Qwen?"
    view = question_pushes(await settle(moderator), qid)[-1]
    assert (view["text"], view["original_text"], view["edited"]) == (
        "What about Qwen?",
        "wat about qwen",
        True,
    )


async def test_topic_is_stored_and_shown(
    hub_config: HubConfig, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """A topic set by the moderator reaches the database and the attendees."""
    qid = await asked(asker, "Is DeepSeek open?")
    await act(moderator, "approve", qid)
    await settle(observer)
    await act(moderator, "topic", qid, topic="landscape")
    assert stored_question(hub_config.db_path, qid)["topic"] == "landscape"
    assert question_pushes(await settle(observer), qid)[-1]["topic"] == "landscape"


async def test_merge_hides_the_source_and_sums_the_votes(
    connect: Connect,
    hub_config: HubConfig,
    moderator: RawClient,
    asker: RawClient,
    observer: RawClient,
) -> None:
    """A merged question leaves the list, pointing at its target, whose count grows."""
    source = await asked(asker, "Is Llama open source?")
    target = await asked(observer, "Is Llama really open?")
    for qid in (source, target):
        await act(moderator, "approve", qid)
    voters = [await connect() for _ in range(3)]
    for voter, qids in zip(voters, [(source,), (source, target), (target,)], strict=True):
        for qid in qids:
            assert (await voter.request({"type": "vote", "question_id": qid}))["type"] == "ack"
    await votes_reaching(observer, target, 2)
    await settle(observer)

    await act(moderator, "merge", source, into=target)
    assert stored_question(hub_config.db_path, source)["merged_into"] == target
    assert stored_question(hub_config.db_path, source)["text"] == "Is Llama open source?"
    pushed = await settle(observer)
    assert {"type": "question_removed", "id": source, "merged_into": target} in pushed
    assert question_pushes(pushed, target)[-1]["votes"] == 3
    await votes_reaching(observer, target, 3)
    assert question_pushes(await settle(moderator), source)[-1]["merged_into"] == target


async def test_undo_restores_the_question_everywhere(
    hub_config: HubConfig, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """Undoing an approval takes the question back off every attendee's screen."""
    qid = await asked(asker, "Approved by mistake")
    await act(moderator, "approve", qid)
    await settle(observer)
    await settle(moderator)

    ack = await act(moderator, "undo")
    assert ack["undone"] == {"action_id": 1, "kind": "approve", "question_id": qid}
    row = stored_question(hub_config.db_path, qid)
    assert row["state"] == "pending" and row["approved_at"] is None
    assert [a["undone"] for a in stored_actions(hub_config.db_path)] == [1]
    assert of_type(await settle(observer), "question_removed") == [
        {"type": "question_removed", "id": qid, "merged_into": None}
    ]
    pushed = await settle(moderator)
    assert question_pushes(pushed, qid)[-1]["state"] == "pending"
    assert of_type(pushed, "undo")[-1]["next"] is None

    reply = await moderator.request({"type": "undo"})
    assert reply["type"] == "error" and reply["code"] == p.NOTHING_TO_UNDO


async def test_undo_of_on_air_restores_both_questions(
    hub_config: HubConfig, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """Undoing "next question on air" puts the previous one back on air, unanswered."""
    first = await asked(asker, "First on air")
    second = await asked(asker, "Second on air")
    await act(moderator, "on_air", first)
    await act(moderator, "on_air", second)
    await settle(observer)
    await act(moderator, "undo")
    assert stored_question(hub_config.db_path, first)["state"] == "on_air"
    assert stored_question(hub_config.db_path, first)["answered_at"] is None
    assert stored_question(hub_config.db_path, second)["state"] == "pending"
    pushed = await settle(observer)
    assert of_type(pushed, "on_air")[-1]["question"]["id"] == first
    assert {"type": "question_removed", "id": second, "merged_into": None} in pushed


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"type": "approve", "question_id": 99}, p.NOT_FOUND),
        ({"type": "approve", "question_id": "1"}, p.BAD_MESSAGE),
        ({"type": "answered", "question_id": 1}, p.INVALID_STATE),
        ({"type": "merge", "question_id": 1, "into": 1}, p.INVALID_STATE),
        ({"type": "edit", "question_id": 1, "text": ""}, p.EMPTY),
        ({"type": "edit", "question_id": 1, "text": "e" * 501}, p.TOO_LONG),
        ({"type": "pin", "question_id": 1, "pinned": "yes"}, p.BAD_MESSAGE),
        ({"type": "settings", "auto_approve": "yes"}, p.BAD_MESSAGE),
    ],
    ids=[
        "not-found",
        "string-id",
        "answered-pending",
        "merge-self",
        "edit-empty",
        "edit-too-long",
        "pin-not-bool",
        "settings-not-bool",
    ],
)
async def test_refused_action_changes_nothing(
    hub_config: HubConfig,
    moderator: RawClient,
    asker: RawClient,
    message: dict[str, Any],
    code: str,
) -> None:
    """A moderator request the rules refuse gets the right error and leaves the store as is."""
    await hinted(moderator, hub_config.db_path, await asked(asker, "Question one"))
    before = db_rows(hub_config.db_path, "SELECT * FROM questions")
    reply = await moderator.request(message)
    assert reply["type"] == "error" and reply["code"] == code, reply
    assert db_rows(hub_config.db_path, "SELECT * FROM questions") == before
    assert stored_actions(hub_config.db_path) == []


# --- visibility ---------------------------------------------------------------------


@configure(questions_per_minute=10)
async def test_pending_and_rejected_questions_never_reach_other_attendees(
    connect: Connect, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """Others never see anyone's pending or rejected question; its author still sees theirs."""
    stage = await connect(role="stage")
    received: dict[str, list[dict[str, Any]]] = {
        "observer": [observer.welcome],
        "stage": [stage.welcome],
    }

    async def collect() -> None:
        received["observer"] += await settle(observer)
        received["stage"] += await settle(stage)

    pending = await asked(asker, "secret pending PPP")
    rejected = await asked(asker, "secret rejected RRR")
    merged = await asked(asker, "secret merged MMM")
    unrejected = await asked(asker, "secret unrejected UUU")
    visible = await asked(observer, "public question VVV")
    await act(moderator, "approve", visible)
    await collect()
    await act(moderator, "edit", pending, text="secret edited EEE")
    await act(moderator, "pin", pending, pinned=True)
    await act(moderator, "topic", pending, topic="landscape")
    await act(moderator, "reject", rejected)
    await act(moderator, "merge", merged, into=visible)  # only into a public one
    await act(moderator, "reject", unrejected)
    await act(moderator, "undo")  # back to pending: still hidden
    # The author votes for their own pending question; the count must stay private too.
    assert (await asker.request({"type": "vote", "question_id": pending}))["type"] == "ack"
    await collect()
    await votes_reaching(moderator, pending, 1)
    await collect()
    latecomer = await connect()
    received["latecomer"] = [latecomer.welcome] + await settle(latecomer)

    hidden_ids = {pending, rejected, merged, unrejected}
    hidden_texts = ["PPP", "RRR", "MMM", "UUU", "EEE"]
    for who, messages in received.items():
        dump = json.dumps(messages)
        leaked = [text for text in hidden_texts if text in dump]
        assert leaked == [], f"{who} saw hidden questions {leaked}"
        assert "VVV" in dump, f"{who} never saw the approved question"
        for message in messages:
            if message["type"] == "question":
                assert message["question"]["id"] not in hidden_ids, (who, message)
            if message["type"] == "votes":
                assert not hidden_ids & {int(k) for k in message["counts"]}, (who, message)
            if message["type"] == "welcome":
                assert not hidden_ids & {q["id"] for q in message["questions"]}, who

    # Meanwhile the author saw their own pending question change live.
    own = await settle(asker)
    assert question_pushes(own, pending)[-1]["text"] == "secret edited EEE"


async def test_asker_gets_own_pending_questions_back_after_reconnecting(
    connect: Connect, moderator: RawClient, asker: RawClient
) -> None:
    """Reconnecting with the same client id shows one's own questions, minus rejected ones."""
    pending = await asked(asker, "Still waiting")
    rejected = await asked(asker, "Was rejected")
    approved = await asked(asker, "Got approved")
    await act(moderator, "reject", rejected)
    await act(moderator, "approve", approved)
    await asker.close()

    again = await connect(client_id="asker-ada-01")
    mine = {q["id"]: q for q in again.welcome["mine"]}
    assert set(mine) == {pending, approved}
    assert (mine[pending]["state"], mine[pending]["text"]) == ("pending", "Still waiting")
    assert [q["id"] for q in again.welcome["questions"]] == [approved]

    stranger = await connect()
    assert stranger.welcome["mine"] == []
    assert [q["id"] for q in stranger.welcome["questions"]] == [approved]


async def test_attendee_cannot_vote_for_someone_elses_pending_question(
    moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """Voting for a question still in the queue looks exactly like voting for no question."""
    qid = await asked(asker, "Queue question")
    reply = await observer.request({"type": "vote", "question_id": qid})
    missing = await observer.request({"type": "vote", "question_id": 999})
    assert reply["code"] == missing["code"] == p.NOT_FOUND


# --- votes --------------------------------------------------------------------------


async def test_one_vote_per_attendee_and_up_false_takes_it_back(
    connect: Connect,
    hub_config: HubConfig,
    moderator: RawClient,
    asker: RawClient,
    observer: RawClient,
) -> None:
    """Voting twice counts once, un-voting removes it, and a reconnect shows the vote again."""
    qid = await asked(asker, "Vote for me")
    await act(moderator, "approve", qid)

    def stored_votes() -> list[str]:
        rows = db_rows(hub_config.db_path, "SELECT client_id FROM votes WHERE question_id = ?", qid)
        return [row["client_id"] for row in rows]

    first = await observer.request({"type": "vote", "question_id": qid, "up": True})
    assert (first["type"], first["question_id"], first["votes"]) == ("ack", qid, 1)
    second = await observer.request({"type": "vote", "question_id": qid, "up": True})
    assert second["votes"] == 1
    assert stored_votes() == ["observer-bob-01"]

    taken = await observer.request({"type": "vote", "question_id": qid, "up": False})
    assert (taken["type"], taken["up"], taken["votes"]) == ("ack", False, 0)
    assert stored_votes() == []
    await votes_reaching(asker, qid, 0)

    again = await observer.request({"type": "vote", "question_id": qid})
    assert again["votes"] == 1
    await votes_reaching(asker, qid, 1)
    await observer.close()
    back = await connect(client_id="observer-bob-01")
    assert back.welcome["my_votes"] == [qid]
    assert back.welcome["questions"][0]["votes"] == 1
    assert (await connect()).welcome["my_votes"] == []


@configure(push_interval=0.2)
async def test_a_burst_of_votes_is_pushed_as_a_few_coalesced_updates(
    connect: Connect,
    hub_config: HubConfig,
    moderator: RawClient,
    asker: RawClient,
    observer: RawClient,
) -> None:
    """Twenty votes at once reach an observer as a few count updates ending at twenty."""
    qid = await asked(asker, "Popular question")
    await act(moderator, "approve", qid)
    voters = [await connect() for _ in range(20)]
    await settle(observer)

    loop = asyncio.get_running_loop()
    started = loop.time()
    replies = await asyncio.gather(
        *(voter.request({"type": "vote", "question_id": qid}) for voter in voters)
    )
    assert all(reply["type"] == "ack" for reply in replies)
    await votes_reaching(observer, qid, 20)
    elapsed = loop.time() - started
    pushes = 1 + len(of_type(await settle(observer), "votes"))

    intervals = elapsed / hub_config.push_interval
    assert pushes <= int(intervals) + 1, (pushes, elapsed)
    assert pushes <= 5, f"{pushes} vote pushes for 20 votes in {elapsed:.2f}s"
    assert len(db_rows(hub_config.db_path, "SELECT * FROM votes")) == 20


# --- rate limits --------------------------------------------------------------------


async def test_fourth_question_within_a_minute_is_rate_limited(
    connect: Connect, hub_config: HubConfig, asker: RawClient
) -> None:
    """The fourth question in a minute is refused; another attendee is served at once."""
    for n in range(3):
        await asked(asker, f"Question {n}")
    reply = await asker.ask("One too many")
    assert reply["type"] == "error" and reply["code"] == p.RATE_LIMITED
    assert "minute" in reply["message"]
    assert len(db_rows(hub_config.db_path, "SELECT * FROM questions")) == 3

    other = await connect()
    reply = await other.request({"type": "ask", "text": "My first question"}, timeout=1)
    assert reply["type"] == "ack" and reply["question_id"] == 4


async def test_resend_of_an_acknowledged_question_is_answered_even_when_rate_limited(
    asker: RawClient,
) -> None:
    """A resend of a confirmed question gets its number even after the rate limit is used up."""
    for n in range(3):
        await asker.ask(f"Question {n}", request_id=f"q{n}")
    assert (await asker.ask("Question 3", request_id="q3"))["code"] == p.RATE_LIMITED
    reply = await asker.ask("Question 0", request_id="q0")
    assert (reply["type"], reply["question_id"], reply.get("duplicate")) == ("ack", 1, True)


async def test_31st_vote_within_a_minute_is_rate_limited(
    connect: Connect, moderator: RawClient, asker: RawClient, observer: RawClient
) -> None:
    """An attendee may vote thirty times a minute; the 31st is refused, others still vote."""
    qid = await asked(asker, "Vote target")
    await act(moderator, "approve", qid)
    for n in range(30):
        reply = await observer.request({"type": "vote", "question_id": qid, "up": n % 2 == 0})
        assert reply["type"] == "ack", (n, reply)
    reply = await observer.request({"type": "vote", "question_id": qid})
    assert reply["type"] == "error" and reply["code"] == p.RATE_LIMITED

    other = await connect()
    reply = await other.request({"type": "vote", "question_id": qid}, timeout=1)
    assert reply["type"] == "ack" and reply["votes"] == 1


# --- settings -----------------------------------------------------------------------


async def test_auto_approve_setting_skips_the_queue(
    connect: Connect,
    hub_config: HubConfig,
    moderator: RawClient,
    asker: RawClient,
    observer: RawClient,
) -> None:
    """With auto-approve on, new questions are visible to all at once; off again, they wait."""
    assert moderator.welcome["settings"] == {"auto_approve": False}
    await act(moderator, "settings", auto_approve=True)
    assert db_rows(hub_config.db_path, "SELECT value FROM meta WHERE key = 'auto_approve'") == [
        {"value": "true"}
    ]
    assert {"type": "settings", "auto_approve": True} in await settle(observer)

    reply = await asker.ask("Instant question")
    assert reply["state"] == "approved"
    assert stored_question(hub_config.db_path, reply["question_id"])["state"] == "approved"
    pushed = question_pushes(await settle(observer), reply["question_id"])
    assert [q["text"] for q in pushed] == ["Instant question"]
    assert (await connect()).welcome["settings"] == {"auto_approve": True}

    await act(moderator, "settings", auto_approve=False)
    reply = await asker.ask("Queued question")
    assert reply["state"] == "pending"
    assert question_pushes(await settle(observer), reply["question_id"]) == []
