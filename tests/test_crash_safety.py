"""SIGKILL in the middle of 200 concurrent askers, five times: nothing acknowledged is lost.

Each round, 200 attendees reconnect, resend every question they have no ``ack`` for (same
``request_id``), and ask a new one, all at once. The hub is killed with SIGKILL after a
random number of acks. After each restart every acknowledged question is stored exactly
once, and at the end, after the last resends, every question asked is stored exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sqlite3
import uuid
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from fireside_ask import protocol as p

from .conftest import TOKEN
from .helpers import free_port, serve, serve_command

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

ATTENDEES = 200
ROUNDS = 5


class Killer:
    """Sends SIGKILL to the hub the moment the n-th ack arrives, from inside the reader."""

    def __init__(self, process: asyncio.subprocess.Process, after: int) -> None:
        self.process, self.left = process, after

    def ack(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.process.kill()


class Asker:
    """One attendee: its id, what it asked, and which of those the hub acknowledged."""

    def __init__(self, index: int) -> None:
        self.client_id = f"crash-{index:03d}-{uuid.uuid4().hex[:8]}"
        self.asked: dict[str, str] = {}  # request_id -> text
        self.acked: dict[str, int] = {}  # request_id -> question_id

    async def round(
        self, url: str, number: int, killer: Killer | None, arrival: float = 0.0
    ) -> None:
        """Reconnect, resend what is unacknowledged, ask one more; stop when the hub dies."""
        request_id = f"round-{number}"
        self.asked[request_id] = f"Question {number} from {self.client_id}?"
        with contextlib.suppress(ConnectionClosed, OSError, InvalidHandshake):
            # Attendees arrive spread over half a second, as a room does, so that the
            # kill lands while questions are still coming in.
            await asyncio.sleep(arrival)
            ws = await connect(url, open_timeout=10)
            try:
                await ws.send(json.dumps(p.hello("attendee", self.client_id)))
                await ws.recv()
                for rid, text in self.asked.items():
                    if rid not in self.acked:
                        await ws.send(json.dumps({"type": "ask", "request_id": rid, "text": text}))
                await self._collect(ws, killer)
            finally:
                await ws.close()

    async def _collect(self, ws: ClientConnection, killer: Killer | None) -> None:
        while any(rid not in self.acked for rid in self.asked):
            message = json.loads(await ws.recv())
            if message.get("type") == "ack":
                rid, qid = message["request_id"], message["question_id"]
                previous = self.acked.setdefault(rid, qid)
                assert previous == qid, f"{rid} was acknowledged as #{previous}, now #{qid}"
                if killer is not None:
                    killer.ack()
            elif message.get("type") == "error":
                raise AssertionError(f"refused: {message}")


def stored(db: Path) -> list[tuple[int, str, str, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT id, client_id, request_id, text FROM questions ORDER BY id"
        ).fetchall()


def check_acknowledged(db: Path, askers: list[Asker]) -> None:
    rows = stored(db)
    by_id = {row[0]: row for row in rows}
    assert len(by_id) == len(rows)
    assert len({(row[1], row[2]) for row in rows}) == len(rows), "a question is stored twice"
    for asker in askers:
        for rid, qid in asker.acked.items():
            assert qid in by_id, f"acknowledged #{qid} is lost"
            assert by_id[qid][1:] == (asker.client_id, rid, asker.asked[rid])


async def test_sigkill_five_times_under_200_concurrent_askers(tmp_path: Path) -> None:
    """After five SIGKILLs mid-stream, every acknowledged question is there exactly once."""
    db, port = tmp_path / "crash.db", free_port()
    url = f"ws://127.0.0.1:{port}"
    command = serve_command(db, port, TOKEN, "--questions-per-minute", "1000")
    askers = [Asker(i) for i in range(ATTENDEES)]
    rng = random.Random(20261128)
    for number in range(ROUNDS):
        kill_after = rng.randrange(ATTENDEES // 10, ATTENDEES * 9 // 10)
        async with serve(command, tmp_path / f"round-{number}.log") as process:
            # SIGKILL at a random moment, with asks in flight.
            killer = Killer(process, kill_after)
            await asyncio.wait_for(
                asyncio.gather(
                    *(a.round(url, number, killer, rng.uniform(0, 0.5)) for a in askers)
                ),
                60,
            )
            await asyncio.wait_for(process.wait(), 30)
            assert process.returncode == -9
        check_acknowledged(db, askers)
        unacked = sum(len(a.asked) - len(a.acked) for a in askers)
        assert unacked > 0, "the kill came too late to test anything"

    # A last, calm round: everything unacknowledged is resent and confirmed once.
    async with serve(command, tmp_path / "final.log"):
        await asyncio.wait_for(asyncio.gather(*(a.round(url, ROUNDS, None) for a in askers)), 120)
    check_acknowledged(db, askers)
    assert all(len(a.acked) == len(a.asked) == ROUNDS + 1 for a in askers)
    assert len(stored(db)) == ATTENDEES * (ROUNDS + 1)
