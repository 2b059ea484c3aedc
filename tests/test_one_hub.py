"""One hub per database, and a busy port costs nothing: real ``fireside serve`` processes."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import PROCESS_DEADLINE as DEADLINE
from .helpers import acked, db_rows, free_port, serve, serve_command
from .wsclient import RawClient

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


def run_to_exit(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command that is expected to give up at once, with its output."""
    return subprocess.run(
        command, capture_output=True, text=True, timeout=DEADLINE, cwd=cwd, stdin=subprocess.DEVNULL
    )


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


async def test_a_second_hub_on_the_same_database_refuses_and_names_the_first(
    tmp_path: Path,
) -> None:
    """A second ``fireside serve`` on the same file says which process has it, and stops."""
    db = tmp_path / "talk.db"
    port = free_port()
    async with serve(serve_command(db, port, "first-token"), tmp_path / "first.log") as first:
        second = await asyncio.to_thread(
            run_to_exit, serve_command(db, free_port(), "second-token"), tmp_path
        )
        assert second.returncode != 0
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert "in use" in lines[0] and str(first.pid) in lines[0] and "talk.db" in lines[0]
        assert "Traceback" not in second.stderr
        client = await RawClient.open(f"ws://127.0.0.1:{port}", client_id="after-second-hub")
        reply = await acked(client, {"type": "ask", "text": "Still the only hub?"})
        await client.close()
    rows = db_rows(db, "SELECT id, text FROM questions")
    assert rows == [{"id": reply["question_id"], "text": "Still the only hub?"}]
    meta = {r["key"]: r["value"] for r in db_rows(db, "SELECT key, value FROM meta")}
    assert meta.get("token") in (None, "first-token")


@pytest.mark.parametrize("command", ["serve", "run"])
async def test_a_port_in_use_fails_in_one_line_and_writes_nothing(
    tmp_path: Path, command: str
) -> None:
    """On a busy port the hub says so in one line and leaves no database, log or setting."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        fresh = tmp_path / "fresh.db"
        argv = serve_command(fresh, port, "some-token", "--auto-approve")
        argv[argv.index("serve")] = command
        result = await asyncio.to_thread(run_to_exit, argv, tmp_path)
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert f"port {port}" in lines[0] and "in use" in lines[0]
        assert files_in(tmp_path) == []

        # An existing session keeps its settings when a restart fails on the port.
        existing = tmp_path / "existing.db"
        async with serve(
            serve_command(existing, free_port(), "kept-token"), tmp_path / "hub.stderr"
        ):
            pass
        before = db_rows(existing, "SELECT key, value FROM meta ORDER BY key")
        argv = serve_command(existing, port, "other-token", "--auto-approve")
        argv[argv.index("serve")] = command
        again = await asyncio.to_thread(run_to_exit, argv, tmp_path)
        assert again.returncode != 0 and "in use" in again.stderr
        assert db_rows(existing, "SELECT key, value FROM meta ORDER BY key") == before
        assert not (tmp_path / "existing.log").exists()


def test_the_lock_file_names_the_running_hub_and_goes_with_it(tmp_path: Path) -> None:
    """While a hub runs, ``<db>.lock`` holds its process id; a clean stop removes it."""
    db = tmp_path / "talk.db"
    code = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from fireside.hub import Hub, HubConfig\n"
        "async def main():\n"
        f"    async with Hub(HubConfig(db_path=Path({str(db)!r}), host='127.0.0.1', port=0)):\n"
        f"        print(open({str(db) + '.lock'!r}).read().strip(), flush=True)\n"
        "asyncio.run(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=DEADLINE
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().isdigit()
    assert not (tmp_path / "talk.db.lock").exists()
