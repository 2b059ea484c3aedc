"""A failed commit never costs an acknowledged question: a real disk that fills up and frees."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fireside.hub import Hub, HubConfig
from fireside.room import Question
from fireside.store import Store, question_write
from fireside.writer import StaleWrite, Writer

from .conftest import TOKEN
from .helpers import db_rows
from .smallfs import fill, small_filesystem
from .wsclient import RawClient

pytestmark = pytest.mark.anyio

DEADLINE = 60.0
"""Seconds the whole flapping run may take on a loaded machine."""


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MB filesystem (tmpfs), so that SQLite meets a genuinely full disk."""
    with small_filesystem(tmp_path / "small", "2m") as mount:
        yield mount


async def test_every_acknowledged_question_survives_a_disk_that_fills_and_frees(
    hub_config: HubConfig, small_fs: Path
) -> None:
    """With the disk flapping full and free under many askers, every ack is on disk as sent."""
    hub_config.db_path = small_fs / "hub.db"
    hub_config.questions_per_minute = 10_000
    askers, per_asker = 40, 15
    acks: dict[tuple[str, str], int] = {}
    sent: dict[tuple[str, str], str] = {}
    failures = 0
    done = threading.Event()
    async with Hub(hub_config) as hub:
        url = f"ws://127.0.0.1:{hub.port}"

        def flap() -> None:
            # On a thread, so that the disk frees at any moment of the hub's loop, including
            # right after a failed commit: the moment the failed-commit path must get right.
            rng = random.Random(13)
            while not done.is_set():
                ballast = fill(small_fs)
                done.wait(rng.uniform(0.0005, 0.005))
                ballast.unlink(missing_ok=True)
                done.wait(rng.uniform(0.0005, 0.01))
            (small_fs / "filler").unlink(missing_ok=True)

        async def ask_all(n: int) -> None:
            nonlocal failures
            client = await RawClient.open(url, client_id=f"disk-asker-{n:03d}")
            client_id = client.welcome["client_id"]

            async def send(request_id: str) -> None:
                text = sent[(client_id, request_id)]
                await client.send({"type": "ask", "request_id": request_id, "text": text})

            async def ask_over_time() -> None:
                # Spread out, so that asks keep arriving while commits fail and the hub
                # reloads, as in a real room.
                rng = random.Random(n)
                for k in range(per_asker):
                    sent[(client_id, f"r{k}")] = f"asker {n} question {k}"
                    await send(f"r{k}")
                    await asyncio.sleep(rng.uniform(0, 0.02))

            try:
                asking = asyncio.create_task(ask_over_time())
                waiting = per_asker
                while waiting:
                    reply = await client.recv(timeout=DEADLINE)
                    if reply["type"] == "ack":
                        acks[(client_id, reply["request_id"])] = reply["question_id"]
                        waiting -= 1
                    elif reply["type"] == "error":
                        # Resend until acknowledged, as every client does.
                        assert reply["code"] == "internal", reply
                        failures += 1
                        await send(reply["request_id"])
                await asking
            finally:
                await client.close()

        flapping = asyncio.create_task(asyncio.to_thread(flap))
        try:
            await asyncio.wait_for(asyncio.gather(*(ask_all(n) for n in range(askers))), DEADLINE)
        finally:
            done.set()
            await flapping
        moderator = await RawClient.open(url, role="moderator", token=TOKEN)
        in_memory = {q["id"]: q for q in moderator.welcome["questions"]}
        await moderator.close()

    assert failures > 0, "the disk never filled up: the test proved nothing"
    assert len(acks) == askers * per_asker
    rows = {row["id"]: row for row in db_rows(hub_config.db_path, "SELECT * FROM questions")}
    lost = []
    for (client_id, request_id), question_id in sorted(acks.items()):
        row = rows.get(question_id)
        if row is None or (row["client_id"], row["request_id"], row["text"]) != (
            client_id,
            request_id,
            sent[(client_id, request_id)],
        ):
            lost.append((question_id, client_id, request_id, row and row["client_id"]))
    assert not lost, f"{len(lost)} acknowledged questions are not on disk as sent: {lost[:5]}"
    assert len(set(acks.values())) == len(acks), "two acknowledged asks share a question id"
    assert set(in_memory) == set(rows), "the hub's memory and the disk disagree"


async def test_a_write_decided_before_a_failed_commit_never_reaches_the_disk(
    tmp_path: Path,
) -> None:
    """After a failed commit, nothing decided on the discarded room is stored or confirmed."""
    store = Store(tmp_path / "hub.db")
    writer = Writer(store)
    writer.start()
    first = Question(1, "ada-client", "r1", "First?", "First?", "pending", 1.0)
    try:
        await writer.write([question_write(first)])
        # A reused id fails the whole commit (plain INSERT), as a full disk would.
        reused = dataclasses.replace(first, client_id="bob-client", text="Overwrite?")
        failed = writer.submit([question_write(reused)], generation=0)
        with pytest.raises(sqlite3.IntegrityError):
            await failed
        assert writer.generation == 1
        late = dataclasses.replace(first, id=2, request_id="r2", text="Decided too late?")
        with pytest.raises(StaleWrite):
            await writer.submit([question_write(late)], generation=0)
    finally:
        await writer.close()
        store.close()
    rows = db_rows(tmp_path / "hub.db", "SELECT id, client_id, text FROM questions")
    assert rows == [{"id": 1, "client_id": "ada-client", "text": "First?"}]
