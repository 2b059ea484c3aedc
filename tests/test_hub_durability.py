"""Nothing acknowledged is ever lost: restarts on the same database, and a SIGKILLed hub."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from fireside.hub import Hub, HubConfig

from .helpers import acked, db_rows, free_port, serve, serve_command
from .wsclient import RawClient

pytestmark = pytest.mark.usefixtures("anyio_backend")

DEADLINE = 10.0
"""Seconds a subprocess hub may take to start or to stop."""




def url_of(hub: Hub) -> str:
    return f"ws://127.0.0.1:{hub.port}"




def session_view(welcome: dict[str, Any]) -> dict[str, Any]:
    """The parts of a welcome that must survive a restart (not live counts like presence)."""
    keys = ("questions", "mine", "my_votes", "on_air", "settings", "undo")
    return {key: welcome.get(key) for key in keys}


async def test_restart_resumes_questions_votes_states_token_and_owners(
    hub_config: HubConfig,
) -> None:
    """After a restart on the same db, everyone finds the session, token and undo as they were."""
    hub_config.token = None
    hub_config.questions_per_minute = 10
    async with Hub(hub_config) as first:
        token = first.token
        assert first.token_generated and len(token) >= 16
        url = url_of(first)
        ada = await RawClient.open(url, client_id="ada-durable-1", name="Ada")
        bob = await RawClient.open(url, client_id="bob-durable-1")
        moderator = await RawClient.open(url, role="moderator", token=token)
        q = [
            (await acked(ada, {"type": "ask", "text": f"Ada asks {n}"}))["question_id"]
            for n in range(4)
        ]
        bob_q = (await acked(bob, {"type": "ask", "text": "Bob asks"}))["question_id"]
        for kind, fields in [
            ("approve", {"question_id": q[0]}),
            ("edit", {"question_id": q[0], "text": "Ada asks, edited"}),
            ("pin", {"question_id": q[0], "pinned": True}),
            ("topic", {"question_id": q[0], "topic": "landscape"}),
            ("on_air", {"question_id": q[1]}),
            ("reject", {"question_id": q[2]}),
            ("approve", {"question_id": bob_q}),
            ("merge", {"question_id": bob_q, "into": q[0]}),
        ]:
            await acked(moderator, {"type": kind, **fields})
        await acked(bob, {"type": "vote", "question_id": q[0]})
        await acked(ada, {"type": "vote", "question_id": q[1]})
        await acked(moderator, {"type": "settings", "auto_approve": True})

        expected = {
            "moderator": session_view(
                (await RawClient.open(url, role="moderator", token=token)).welcome
            ),
            "ada": session_view((await RawClient.open(url, client_id="ada-durable-1")).welcome),
            "bob": session_view((await RawClient.open(url, client_id="bob-durable-1")).welcome),
        }
    assert expected["ada"]["my_votes"] == [q[1]]
    assert {x["id"] for x in expected["ada"]["mine"]} == {q[0], q[1], q[3]}

    async with Hub(hub_config) as second:
        assert second.token == token
        url = url_of(second)
        moderator = await RawClient.open(url, role="moderator", token=token)
        assert moderator.welcome["type"] == "welcome"
        assert session_view(moderator.welcome) == expected["moderator"]
        ada = await RawClient.open(url, client_id="ada-durable-1")
        assert session_view(ada.welcome) == expected["ada"]
        bob = await RawClient.open(url, client_id="bob-durable-1")
        assert session_view(bob.welcome) == expected["bob"]

        # Numbering continues, auto-approve is still on, and undo picks up where it was.
        reply = await acked(bob, {"type": "ask", "text": "After the restart"})
        assert (reply["question_id"], reply["state"]) == (bob_q + 1, "approved")
        undone = await acked(moderator, {"type": "undo"})
        assert undone["undone"]["kind"] == "merge"
        view = {
            x["id"]: x
            for x in (await RawClient.open(url, role="moderator", token=token)).welcome["questions"]
        }
        assert view[bob_q]["merged_into"] is None
        for client in (moderator, ada, bob):
            await client.close()


async def test_explicit_token_wins_over_the_stored_one(hub_config: HubConfig) -> None:
    """An organiser who passes --token on restart uses that token, not the stored one."""
    hub_config.token = None
    async with Hub(hub_config) as first:
        stored = first.token
    hub_config.token = "explicit-token-123"
    async with Hub(hub_config) as second:
        assert second.token == "explicit-token-123"
        refused = await RawClient.open(url_of(second), role="moderator", token=stored)
        assert refused.welcome["code"] == "bad_token"


async def test_resend_after_restart_returns_the_same_question(hub_config: HubConfig) -> None:
    """A question resent after a hub restart gets its old number back; nothing new is stored."""
    async with Hub(hub_config) as first:
        client = await RawClient.open(url_of(first), client_id="resend-client")
        reply = await acked(
            client, {"type": "ask", "request_id": "lost-ack-1", "text": "Did this arrive?"}
        )
        question_id = reply["question_id"]

    async with Hub(hub_config) as second:
        client = await RawClient.open(url_of(second), client_id="resend-client")
        assert [q["id"] for q in client.welcome["mine"]] == [question_id]
        again = await acked(
            # The same text: another text under this request_id is a conflict (issue 14).
            client, {"type": "ask", "request_id": "lost-ack-1", "text": "Did this arrive?"}
        )
        assert again["question_id"] == question_id and again["duplicate"] is True
        rows = db_rows(hub_config.db_path, "SELECT id, text FROM questions")
        assert rows == [{"id": question_id, "text": "Did this arrive?"}]
        await client.close()


# --- a real crash -------------------------------------------------------------------










@pytest.mark.e2e
async def test_every_acknowledged_question_survives_sigkill(tmp_path: Path) -> None:
    """Every question the hub confirmed survives a SIGKILL, once, with its text."""
    db = tmp_path / "crash.db"
    port = free_port()
    command = serve_command(db, port, "crash-token", "--questions-per-minute", "100")
    url = f"ws://127.0.0.1:{port}"
    clients_n, per_client = 4, 25
    # SIGKILL lands right after this many acks, while the other asks are still in flight.
    kill_after = clients_n * per_client * 3 // 4
    acks: dict[tuple[str, str], tuple[int, str]] = {}
    sent: dict[tuple[str, str], str] = {}

    async with serve(command, tmp_path / "first.log") as process:
        clients = [
            await RawClient.open(url, client_id=f"crash-client-{n}") for n in range(clients_n)
        ]
        killed = asyncio.Event()

        async def ask_batch(client: RawClient) -> None:
            client_id = client.welcome["client_id"]
            for n in range(per_client):
                request_id, text = f"r{n}", f"{client_id} question {n} \N{FIRE}"
                sent[(client_id, request_id)] = text
                await client.send({"type": "ask", "request_id": request_id, "text": text})
            while not killed.is_set():
                try:
                    reply = await client.recv(timeout=DEADLINE)
                except Exception:  # the connection dies with the process
                    return
                if reply["type"] == "ack":
                    key = (client_id, reply["request_id"])
                    acks[key] = (reply["question_id"], sent[key])
                    if len(acks) >= kill_after and not killed.is_set():
                        os.kill(process.pid, signal.SIGKILL)
                        killed.set()
                elif reply["type"] == "error":
                    pytest.fail(f"hub refused an ask: {reply}")

        await asyncio.wait_for(asyncio.gather(*(ask_batch(c) for c in clients)), DEADLINE)
        assert killed.is_set()
        assert await asyncio.wait_for(process.wait(), DEADLINE) == -signal.SIGKILL
        for client in clients:
            with contextlib.suppress(Exception):
                await client.close()

    assert len(acks) >= kill_after
    rows = db_rows(db, "SELECT id, client_id, request_id, text FROM questions")
    by_id = {row["id"]: row for row in rows}
    assert len(by_id) == len(rows)
    for (client_id, request_id), (question_id, text) in acks.items():
        row = by_id.get(question_id)
        assert row is not None, f"acknowledged question #{question_id} was lost"
        assert (row["client_id"], row["request_id"], row["text"]) == (client_id, request_id, text)
    for (client_id, request_id), text in sent.items():
        matching = [r for r in rows if (r["client_id"], r["request_id"]) == (client_id, request_id)]
        assert len(matching) <= 1 and all(r["text"] == text for r in matching)

    async with serve(command, tmp_path / "second.log") as process:
        (client_id, request_id), (question_id, text) = sorted(acks.items())[0]
        client = await RawClient.open(url, client_id=client_id)
        assert question_id in {q["id"] for q in client.welcome["mine"]}
        again = await acked(
            client, {"type": "ask", "request_id": request_id, "text": text}
        )
        assert again["question_id"] == question_id and again.get("duplicate") is True
        unacked = sorted(set(sent) - set(acks))
        if unacked:  # a question in flight at the crash is stored once, whether or not it made it
            other_id, other_request = unacked[0]
            other = await RawClient.open(url, client_id=other_id)
            await acked(
                other, {"type": "ask", "request_id": other_request, "text": sent[unacked[0]]}
            )
            await other.close()
        await client.close()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), DEADLINE) == 0

    rows = db_rows(db, "SELECT client_id, request_id, text FROM questions")
    keys = [(r["client_id"], r["request_id"]) for r in rows]
    assert len(keys) == len(set(keys)), "a question was stored twice"
    assert {key: sent[key] for key in acks} == {
        (r["client_id"], r["request_id"]): r["text"]
        for r in rows
        if (r["client_id"], r["request_id"]) in acks
    }
