"""A hub at its open-file limit keeps serving, says so once and keeps its log small.

``fireside serve`` runs as a subprocess under a low RLIMIT_NOFILE, and the test opens more
sockets than the hub may hold: at the limit, asyncio fails every accept attempt.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

import pytest

from .conftest import TOKEN
from .helpers import free_port, read_log, serve, serve_command, until
from .wsclient import RawClient

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("RLIMIT_NOFILE is POSIX", allow_module_level=True)


def limited(command: list[str], soft: int, hard: int) -> list[str]:
    """``command`` (python -m fireside ...) run with RLIMIT_NOFILE set to (soft, hard)."""
    assert command[1:3] == ["-m", "fireside"]
    bootstrap = (
        "import resource, runpy, sys; "
        f"resource.setrlimit(resource.RLIMIT_NOFILE, ({soft}, {hard})); "
        "sys.argv = ['fireside', *sys.argv[1:]]; "
        "runpy.run_module('fireside', run_name='__main__', alter_sys=True)"
    )
    return [command[0], "-c", bootstrap, *command[3:]]


def soft_limit(pid: int) -> int:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise AssertionError("no open-file limit in /proc")


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="reads /proc/PID/limits")
async def test_the_hub_raises_its_soft_open_file_limit_toward_the_hard_one(tmp_path: Path) -> None:
    """Started with ulimit -n 64 of a possible 4096, the hub raises it and does not warn."""
    port = free_port()
    command = serve_command(tmp_path / "hub.db", port, TOKEN, "--max-connections", "500")
    log = tmp_path / "hub.log"
    async with serve(limited(command, 64, 4096), log) as process:
        assert soft_limit(process.pid) >= 500
    assert "open files" not in read_log(log)


async def test_at_the_open_file_limit_the_hub_warns_once_and_its_log_stays_small(
    tmp_path: Path,
) -> None:
    """Past ulimit -n: one warning, a short log, and the moderator gets in once others leave."""
    port = free_port()
    command = serve_command(tmp_path / "hub.db", port, TOKEN)  # 5,000 connections wanted
    log = tmp_path / "hub.log"
    async with serve(limited(command, 64, 64), log) as process:
        warnings = [line for line in read_log(log).splitlines() if "open files" in line]
        assert len(warnings) == 1, read_log(log)
        crowd = [socket.create_connection(("127.0.0.1", port)) for _ in range(120)]
        try:
            # Wait until accepting failed and the repeats were cut short (or the log ran away).
            await until(
                lambda: "suppress" in read_log(log) or len(read_log(log).splitlines()) > 2000,
                within=20.0,
                what="the hub to run out of file descriptors",
            )
        finally:
            for sock in crowd:
                sock.close()
        url = f"ws://127.0.0.1:{port}"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while True:
            try:
                moderator = await RawClient.open(url, role="moderator", token=TOKEN)
                break
            except (OSError, TimeoutError):
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(0.2)
        assert moderator.welcome["type"] == "welcome"
        await moderator.close()
        assert process.returncode is None
    lines = read_log(log).splitlines()
    assert len(lines) < 100, f"{len(lines)} log lines:\n" + "\n".join(lines[:40])
