"""The segment clock measures with a monotonic clock: wall-clock jumps do not move it.

A real hub on a loopback port with fake wall and monotonic clocks, moved by hand; the
wall clock jumps as NTP or a moderator changing the time zone would make it jump.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fireside.hub import Hub, HubConfig

from .conftest import TOKEN
from .wsclient import RawClient

pytestmark = pytest.mark.anyio

T0 = 1_800_000_000.0


class Clocks:
    """The hub's wall and monotonic clocks; ``advance`` moves both, ``jump`` only the wall."""

    def __init__(self, mono: float = 100.0) -> None:
        self.wall = T0
        self.mono = mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds

    def jump(self, seconds: float) -> None:
        self.wall += seconds

    def hub(self, db: Path) -> Hub:
        config = HubConfig(db_path=db, host="127.0.0.1", port=0, token=TOKEN)
        return Hub(config, clock=lambda: self.wall, monotonic=lambda: self.mono)


async def clock_now(hub: Hub) -> dict[str, object]:
    """The clock a stage screen sees when it connects now."""
    stage = await RawClient.open(f"ws://127.0.0.1:{hub.port}", role="stage")
    await stage.close()
    return stage.welcome["clock"]  # type: ignore[no-any-return]


async def command(hub: Hub, action: str, **fields: object) -> dict[str, object]:
    """Send one clock command as the moderator; return the clock pushed after it."""
    moderator = await RawClient.open(f"ws://127.0.0.1:{hub.port}", role="moderator", token=TOKEN)
    reply = await moderator.request({"type": "clock", "action": action, **fields})
    assert reply["type"] == "ack", reply
    pushed = await moderator.expect("clock")
    await moderator.close()
    return pushed


async def test_wall_clock_set_back_then_pause_keeps_the_elapsed_time(tmp_path: Path) -> None:
    """The wall clock set back 2 minutes: pausing after 80 s shows 80 s, also after a restart."""
    clocks = Clocks()
    async with clocks.hub(tmp_path / "hub.db") as hub:
        await command(hub, "start")
        clocks.advance(80)
        clocks.jump(-120)
        paused = await command(hub, "pause")
        assert paused["state"] == "paused"
        assert paused["elapsed"] == 80
    restarted = Clocks(mono=7.0)  # a new process: its monotonic clock starts elsewhere
    restarted.wall = clocks.wall + 30
    async with restarted.hub(tmp_path / "hub.db") as hub:
        after = await clock_now(hub)
    assert after["state"] == "paused"
    assert after["elapsed"] == 80


async def test_wall_clock_jumping_an_hour_ahead_adds_no_overtime(tmp_path: Path) -> None:
    """The wall clock jumps an hour ahead 10 s into a segment: 10 s spent, no overtime."""
    clocks = Clocks()
    async with clocks.hub(tmp_path / "hub.db") as hub:
        await command(hub, "start")
        clocks.advance(10)
        clocks.jump(3600)
        running = await clock_now(hub)
        assert running["phase"] == "running"
        assert running["elapsed"] == 10
        assert running["server_time"] == clocks.wall  # displays show the wall clock
        paused = await command(hub, "pause")
        assert paused["elapsed"] == 10
        assert paused["phase"] == "paused"


async def test_restart_counts_the_downtime_and_then_ignores_wall_jumps(tmp_path: Path) -> None:
    """Restarted 30 s after a stop, the clock is 30 s further; later wall jumps change nothing."""
    clocks = Clocks()
    async with clocks.hub(tmp_path / "hub.db") as hub:
        await command(hub, "start")
        clocks.advance(50)
    restarted = Clocks(mono=7.0)
    restarted.wall = clocks.wall + 30  # time runs on stage while the hub is down
    async with restarted.hub(tmp_path / "hub.db") as hub:
        assert (await clock_now(hub))["elapsed"] == 80
        restarted.advance(10)
        restarted.jump(-120)
        assert (await clock_now(hub))["elapsed"] == 90
        extended = await command(hub, "adjust", seconds=60)
        assert extended["allowance"] == 270 + 60
        assert extended["elapsed"] == 90
