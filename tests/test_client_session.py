"""The attendee's reconnecting session and its saved state, over real loopback hubs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from fireside.hub import Hub, HubConfig
from fireside_ask.config import Config, config_dir
from fireside_ask.session import Refused, Session, backoff_delays
from fireside_ask.state import Event, HubState

from .helpers import FAST, free_port, hub_at, running, stored_questions, until
from .wsclient import RawClient

pytestmark = pytest.mark.anyio











async def test_ask_typed_while_hub_restarts_is_confirmed_once_after_it_is_back(
    tmp_path: Path,
) -> None:
    """A question typed while the hub restarts is sent when it is back and stored once."""
    port = free_port()
    url = f"ws://127.0.0.1:{port}"
    events: list[str] = []
    first = hub_at(tmp_path, port)
    await first.start()
    session = Session(url, "a" * 32, listener=lambda e: events.append(e.kind), **FAST)
    async with running(session):
        await asyncio.wait_for(session.connected.wait(), 5)
        await first.close()
        await until(lambda: not session.connected.is_set())
        assert "disconnected" in events

        request = session.ask("What about Qwen?")
        assert not request.future.done()
        assert request.request_id in session.pending

        second = hub_at(tmp_path, port)
        await second.start()
        try:
            ack = await asyncio.wait_for(request.future, 10)
            assert ack["question_id"] == 1
            assert session.connections == 2
            assert session.pending == {}
        finally:
            await second.close()
    rows = stored_questions(tmp_path / "hub.db")
    assert [(r[0], r[2], r[3]) for r in rows] == [(1, request.request_id, "What about Qwen?")]


async def test_resent_ask_gets_the_same_question_number_and_is_not_stored_twice(
    hub: Hub,
    url: str,
    hub_config: HubConfig,
    tmp_path: Path,
) -> None:
    """An ask whose confirmation was lost is sent again and comes back with the same #."""
    client_id = "b" * 32
    first = await RawClient.open(url, client_id=client_id)
    reply = await first.ask("Is fine-tuning worth it?", request_id="lost-ack-1")
    await first.close()
    config = Config(tmp_path / "config")
    config.add_to_outbox(url, "lost-ack-1", "Is fine-tuning worth it?")

    session = Session(url, client_id, config=config, **FAST)
    assert [r.request_id for r in session.restored] == ["lost-ack-1"]
    async with running(session):
        ack = await asyncio.wait_for(session.restored[0].future, 5)
    assert ack["question_id"] == reply["question_id"]
    assert ack.get("duplicate") is True
    assert config.outbox(url) == []
    assert len(stored_questions(hub_config.db_path)) == 1


async def test_question_typed_before_a_crash_is_sent_at_the_next_start(tmp_path: Path) -> None:
    """A question typed while the hub was unreachable is sent the next time the client runs."""
    port = free_port()
    url = f"ws://127.0.0.1:{port}"
    config = Config(tmp_path / "config")
    client_id = config.client_id(url)
    crashed = Session(url, client_id, config=config, **FAST)
    async with running(crashed):
        request = crashed.ask("Which licence do you pick?")
        await until(lambda: crashed.problem is not None)
    assert not request.future.done()
    saved = json.loads((tmp_path / "config" / "outbox.json").read_text())
    assert [e["text"] for e in saved[url]] == ["Which licence do you pick?"]

    async with hub_at(tmp_path, port):
        again = Session(url, config.client_id(url), config=Config(tmp_path / "config"), **FAST)
        assert [r.request_id for r in again.restored] == [request.request_id]
        async with running(again):
            ack = await asyncio.wait_for(again.restored[0].future, 5)
        assert ack["question_id"] == 1
    assert Config(tmp_path / "config").outbox(url) == []
    assert len(stored_questions(tmp_path / "hub.db")) == 1


async def test_session_follows_approval_votes_and_on_air(connect, url: str) -> None:
    """The attendee sees their question approved, its votes, and when it goes on air."""
    events: list[Event] = []
    session = Session(url, "c" * 32, listener=events.append, **FAST)
    moderator = await connect("moderator")
    voter = await connect()
    async with running(session):
        await asyncio.wait_for(session.connected.wait(), 5)
        ack = await asyncio.wait_for(session.ask("Open weights or open source?").future, 5)
        qid = ack["question_id"]
        assert qid in session.state.mine
        assert (await moderator.request({"type": "approve", "question_id": qid}))["type"] == "ack"
        assert (await voter.request({"type": "vote", "question_id": qid}))["type"] == "ack"
        await until(lambda: session.state.questions[qid].get("votes") == 1)
        vote = await asyncio.wait_for(session.vote(qid).future, 5)
        assert vote["votes"] == 2 and qid in session.state.my_votes
        await moderator.request({"type": "on_air", "question_id": qid})
        await until(lambda: session.state.on_air == qid)
    kinds = [e.kind for e in events]
    assert kinds[:2] == ["connecting", "welcome"]
    assert "on_air" in kinds
    assert [q["id"] for q in session.state.visible()] == [qid]


async def test_refused_vote_fails_with_the_hubs_reason(url: str, hub: Hub) -> None:
    """Voting for a question that does not exist says so and keeps the connection."""
    session = Session(url, "d" * 32, **FAST)
    async with running(session):
        await asyncio.wait_for(session.connected.wait(), 5)
        with pytest.raises(Refused) as refused:
            await asyncio.wait_for(session.vote(42).future, 5)
        assert refused.value.code == "not_found"
        assert session.connected.is_set()


async def test_too_long_question_is_refused_before_it_is_sent(url: str, hub: Hub) -> None:
    """A question over the hub's limit is refused at once, without losing the connection."""
    session = Session(url, "e" * 32, **FAST)
    async with running(session):
        await asyncio.wait_for(session.connected.wait(), 5)
        with pytest.raises(Refused) as refused:
            session.ask("x" * 5000)
        assert refused.value.code == "too_long"
        with pytest.raises(Refused):
            session.ask(" \x1b[2J ")
        assert session.pending == {}


def test_segment_change_from_a_clock_push_is_announced_once() -> None:
    """A clock push that starts another segment prints "Now: ..." once, not on every tick."""
    state = HubState()
    segment = {"id": "gap", "title": "Open versus proprietary"}
    clock = {"type": "clock", "state": "running", "segment": segment, "elapsed": 3.0}
    assert [e.kind for e in state.apply(clock)] == ["clock", "segment"]
    assert [e.kind for e in state.apply({**clock, "elapsed": 9.0})] == ["clock"]
    assert state.segment == segment
    finished = {"type": "clock", "state": "finished", "segment": None}
    assert [e.kind for e in state.apply(finished)] == ["clock", "finished"]
    assert state.segment is None


def test_unknown_and_malformed_pushes_are_ignored() -> None:
    """A newer hub's messages, or a broken one, leave the attendee's view as it was."""
    state = HubState()
    state.apply_welcome(
        {"type": "welcome", "questions": [{"id": 1, "text": "hi", "votes": 0, "state": "approved"}]}
    )
    assert [e.kind for e in state.apply({"type": "agenda_v2", "whatever": [1, 2]})] == ["agenda_v2"]
    assert state.apply({"type": "question", "question": "not an object"}) == []
    state.apply({"type": "votes", "counts": {"1": 4, "x": 2, "99": 1}})
    assert state.questions[1]["votes"] == 4


def test_reconnect_delays_double_up_to_the_cap_with_jitter() -> None:
    """Reconnect attempts come at 0.5 s, 1 s, 2 s ... at most 10 s apart, never in lockstep."""
    delays = backoff_delays(0.5, 10.0, rand=lambda: 1.0)
    assert [next(delays) for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    low = backoff_delays(0.5, 10.0, rand=lambda: 0.0)
    assert next(low) == 0.25


def test_client_id_is_made_once_per_hub_and_kept(tmp_path: Path) -> None:
    """The same attendee keeps one id per hub across runs, and files are replaced whole."""
    config = Config(tmp_path)
    first = config.client_id("ws://10.0.0.1:8765")
    assert len(first) == 32
    assert Config(tmp_path).client_id("ws://10.0.0.1:8765") == first
    assert Config(tmp_path).client_id("ws://10.0.0.2:8765") != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clients.json"]


def test_unwritable_config_dir_falls_back_to_memory(tmp_path: Path) -> None:
    """When the config directory cannot be created, the client still works for this run."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    config = Config(blocker / "fireside-ask")
    client_id = config.client_id("ws://h:8765")
    assert config.client_id("ws://h:8765") == client_id
    assert not config.writable and config.problem
    config.add_to_outbox("ws://h:8765", "r1", "text")
    assert [e["request_id"] for e in config.outbox("ws://h:8765")] == ["r1"]


def test_config_dir_follows_the_platform_conventions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Files go to $FIRESIDE_ASK_CONFIG_DIR, else $XDG_CONFIG_HOME/fireside-ask."""
    monkeypatch.setenv("FIRESIDE_ASK_CONFIG_DIR", str(tmp_path / "here"))
    assert config_dir() == tmp_path / "here"
    monkeypatch.delenv("FIRESIDE_ASK_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    if config_dir().parent == tmp_path / "xdg":  # Linux and other XDG systems
        assert config_dir() == tmp_path / "xdg" / "fireside-ask"
