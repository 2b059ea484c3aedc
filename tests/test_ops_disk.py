"""The database under the hub: deleted, full at start, full mid-session, and slow commits.

Real files and, for a full disk, a real small tmpfs (root only; skipped with the reason
elsewhere). Nothing here fakes a failure inside Fireside.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
import subprocess
from pathlib import Path

import pytest

from fireside.hub import Hub, HubConfig

from .conftest import TOKEN
from .helpers import db_rows, free_port, serve_command, until
from .smallfs import fill, small_filesystem
from .wsclient import RawClient

pytestmark = pytest.mark.anyio


def messages(caplog: pytest.LogCaptureFixture, level: int = logging.WARNING) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= level]


async def test_deleting_the_database_file_stops_acknowledging_with_a_clear_error(
    hub: Hub, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Someone deletes the .db mid-session: asks get a clear error, never an ack; one log line."""
    caplog.set_level(logging.INFO, logger="fireside")
    ada = await RawClient.open(url, client_id="ada-deleted-1")
    first = await ada.ask("Saved before the delete?")
    assert first["type"] == "ack"
    db = hub.config.db_path
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        path.unlink(missing_ok=True)
    for text in ("Lost in an unlinked file?", "And this one?"):
        reply = await ada.ask(text)
        assert reply["type"] == "error", reply
        assert reply["code"] == "internal"
        assert "database" in reply["message"]
    # The client resends what was not acknowledged: still not acknowledged, not a duplicate.
    resend = await ada.ask("And this one?", request_id=reply["request_id"])
    assert resend["type"] == "error", resend
    vote = await ada.request({"type": "vote", "question_id": first["question_id"]})
    assert vote["type"] == "error"
    await until(
        lambda: any("was removed" in m for m in messages(caplog)),
        within=10.0,
        what="the log line",
    )
    assert sum("was removed" in m for m in messages(caplog)) == 1
    await ada.close()


@pytest.mark.parametrize("subcommand", ["serve", "run"])
def test_a_full_disk_at_start_prints_one_clear_line_and_exits_non_zero(
    tmp_path: Path, subcommand: str
) -> None:
    """fireside serve (or run) on a full disk says so in one line, no traceback, and exits 1."""
    with small_filesystem(tmp_path / "small", "256k") as disk:
        fill(disk)
        command = serve_command(disk / "talk.db", free_port(), TOKEN)
        command[command.index("serve")] = subcommand
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("fireside: ")
    assert "talk.db" in lines[0] and "full" in lines[0]


async def test_a_peak_that_cannot_be_stored_is_logged_once_not_left_unretrieved(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The disk fills up mid-session: storing the attendance peak fails with a plain warning."""
    caplog.set_level(logging.INFO)
    loop = asyncio.get_running_loop()
    complaints: list[str] = []  # what asyncio reports, e.g. "Task exception was never retrieved"
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: complaints.append(context["message"]))

    def settled() -> bool:
        gc.collect()  # a task whose exception nobody retrieved complains when collected
        said = " ".join(messages(caplog))
        return bool(complaints) or "could not store the peak" in said

    try:
        with small_filesystem(tmp_path / "small", "1m") as disk:
            config = HubConfig(db_path=disk / "hub.db", host="127.0.0.1", port=0, token=TOKEN)
            async with Hub(config) as hub:
                fill(disk)
                ada = await RawClient.open(f"ws://127.0.0.1:{hub.port}", client_id="ada-peak-01")
                await until(
                    settled,
                    within=10.0,
                    what="the failed peak write to be reported",
                )
                await ada.close()
    finally:
        loop.set_exception_handler(previous)
    assert not complaints
    logged = messages(caplog)
    assert sum("could not store the peak" in m for m in logged) == 1, logged


async def test_a_repeated_vote_is_acknowledged_only_once_the_first_is_on_disk(
    hub_config: HubConfig,
) -> None:
    """Voting twice (two windows) while the first vote's commit is stuck: no early ack."""
    hub_config.auto_approve = True
    async with Hub(hub_config) as hub:
        url = f"ws://127.0.0.1:{hub.port}"
        asker = await RawClient.open(url)
        question = (await asker.ask("Which one counts?"))["question_id"]
        first = await RawClient.open(url, client_id="same-voter-01")
        second = await RawClient.open(url, client_id="same-voter-01")
        # Another process holds the write lock: the first vote's commit waits, then fails.
        lock = sqlite3.connect(hub_config.db_path, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        try:
            await first.send({"type": "vote", "question_id": question, "request_id": "v1"})
            voters = hub.room.votes
            await until(
                lambda: "same-voter-01" in voters.get(question, ()),
                within=10.0,
                what="the first vote",
            )
            reply = await second.request({"type": "vote", "question_id": question}, timeout=15)
            stored = db_rows(hub_config.db_path, "SELECT * FROM votes")
            if reply["type"] == "ack":
                assert stored, "a vote was acknowledged that is not on disk"
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        original = await first.expect("error", request_id="v1", timeout=15)
        assert original["code"] == "internal"
        assert reply["type"] == "error", reply
        for client in (asker, first, second):
            await client.close()
