"""A hub killed in the middle of a segment resumes the same clock after a restart."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .conftest import TOKEN
from .helpers import free_port, serve, serve_command
from .wsclient import RawClient

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


def expected_left(clock: dict[str, float], now: float) -> float:
    """Time left in the segment by the wall clock, from when the hub said the count began."""
    return clock["allowance"] - (clock["elapsed"] + (now - clock["server_time"]))


async def test_sigkill_mid_segment_then_restart_keeps_the_clock(tmp_path: Path) -> None:
    """After SIGKILL and a restart the segment, its extension and time left are within 1 s."""
    db, port = tmp_path / "clock.db", free_port()
    command = serve_command(db, port, TOKEN)
    url = f"ws://127.0.0.1:{port}"
    async with serve(command, tmp_path / "first.log") as first:
        moderator = await RawClient.open(url, role="moderator", token=TOKEN)
        for action in ("start", "next"):
            reply = await moderator.request({"type": "clock", "action": action})
            assert reply["type"] == "ack"
        reply = await moderator.request({"type": "clock", "action": "adjust", "seconds": 60})
        assert reply["type"] == "ack"
        before = await moderator.expect("clock", allowance=330)
        await moderator.close()
        first.kill()  # SIGKILL: no chance to close anything
        await first.wait()
    async with serve(command, tmp_path / "second.log"):
        observer = await RawClient.open(url, role="stage")
        after = observer.welcome["clock"]
        now = time.time()
        await observer.close()
    assert after["state"] == "running"
    assert after["segment"]["id"] == before["segment"]["id"] == "gap"
    assert after["allowance"] == 330
    # Time ran on while the hub was down, as it does on stage.
    assert abs(expected_left(after, now) - expected_left(before, now)) < 1.0
    assert after["elapsed"] >= before["elapsed"]
