"""The real commands end to end: ``fireside serve`` with ``fireside-ask``, and interactive mode."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from fireside.hub import Hub

from .helpers import NASTY, command_env, free_port, hub_at, run_command, stored_questions

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


class Process:
    """A command running in the background whose output is read line by line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.raw = b""

    @classmethod
    async def start(cls, *args: str, home: Path | None = None) -> Process:
        env = command_env(**({"FIRESIDE_ASK_CONFIG_DIR": str(home)} if home else {}))
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *args,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def expect(self, needle: str, within: float = 10.0) -> str:
        """Read lines until one contains ``needle``; fail after ``within`` seconds."""
        assert self.proc.stdout is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"no line with {needle!r} in {self.lines}")
            try:
                raw = await asyncio.wait_for(self.proc.stdout.readline(), left)
            except TimeoutError:
                continue
            if not raw:
                raise AssertionError(f"output ended before {needle!r}: {self.lines}")
            self.raw += raw
            line = raw.decode().rstrip("\n")
            self.lines.append(line)
            if needle in line:
                return line

    async def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()

    async def finish(self, within: float = 10.0) -> tuple[int, bytes, bytes]:
        """Wait for the exit; return the code, the rest of stdout, and stderr."""
        out, err = await asyncio.wait_for(self.proc.communicate(), within)
        self.raw += out
        assert self.proc.returncode is not None
        return self.proc.returncode, out, err

    def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()


async def test_fireside_serve_confirms_a_question_from_fireside_ask_then_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    """A hub from ``fireside serve`` answers ``fireside-ask --ask`` with #1 and stops cleanly."""
    port = free_port()
    db = tmp_path / "talk.db"
    server = await Process.start(
        "-m",
        "fireside",
        "serve",
        "--db",
        str(db),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--token",
        "T",
    )
    try:
        await server.expect("listening", within=20)
        result = await run_command(
            f"127.0.0.1:{port}",
            "--ask",
            "What about Qwen?",
            FIRESIDE_ASK_CONFIG_DIR=str(tmp_path / "config"),
        )
        assert (result.returncode, result.stdout, result.stderr) == (0, b"#1\n", b"")
        server.proc.send_signal(signal.SIGTERM)
        code, _, err = await server.finish(within=10)
        assert code == 0, err.decode()
    finally:
        server.kill()
    assert [row[3] for row in stored_questions(db)] == ["What about Qwen?"]


async def test_interactive_attendee_asks_votes_and_sees_the_room(
    connect,
    url: str,
    tmp_path: Path,
) -> None:
    """Typing a question shows "#1 sent", its approval, new questions, segments and on air."""
    attendee = await Process.start(
        "-m", "fireside_ask", url, "--name", "Ada", home=tmp_path / "config"
    )
    moderator = await connect("moderator")
    try:
        await attendee.expect("Type your question and press Enter")
        await attendee.type("What about Qwen?")
        assert await attendee.expect("#1 sent") == "#1 sent — waiting for the moderator."
        await moderator.request({"type": "approve", "question_id": 1})
        await attendee.expect("Your question #1 was approved")

        other = await connect()
        await other.ask(NASTY)
        await moderator.request({"type": "approve", "question_id": 2})
        new = await attendee.expect("New #2")
        assert new.endswith("approved  [bold red]hi[/]")

        assert (await moderator.request({"type": "clock", "action": "next"}))["type"] == "ack"
        first_segment = await attendee.expect("Now: ")
        await moderator.request({"type": "clock", "action": "next"})
        assert await attendee.expect("Now: ") != first_segment

        await attendee.type("/vote 2")
        assert await attendee.expect("Voted for #2") == "Voted for #2 (1 vote)."
        await moderator.request({"type": "on_air", "question_id": 1})
        on_air = await attendee.expect("ON AIR")
        assert "#1" in on_air and "What about Qwen?" in on_air and "(Ada)" in on_air

        await attendee.type("Another one?")
        await attendee.expect("#3 sent")
        await moderator.request({"type": "reject", "question_id": 3})
        await attendee.expect("The moderator did not take your question #3.")

        await attendee.type("/list")
        await attendee.expect("Questions (2 questions, ")
        await attendee.expect("#2      1 vote  approved  [bold red]hi[/]  (you voted)")
        await attendee.type("/quit")
        code, _, err = await attendee.finish()
    finally:
        attendee.kill()
    assert (code, err) == (0, b"")
    assert b"\x1b" not in attendee.raw and b"owned" not in attendee.raw


async def test_interactive_attendee_rides_out_a_hub_restart(tmp_path: Path) -> None:
    """When the hub restarts, the attendee is told, and a question typed meanwhile is sent."""
    port = free_port()
    first = hub_at(tmp_path, port)
    await first.start()
    attendee = await Process.start(
        "-m", "fireside_ask", f"127.0.0.1:{port}", home=tmp_path / "config"
    )
    second: Hub | None = None
    try:
        await attendee.expect("Type your question")
        await first.close()
        await attendee.expect("Not connected: the hub went away")
        await attendee.type("Asked while the hub was away")
        await attendee.expect("your question will be sent when the hub is back")
        second = hub_at(tmp_path, port)
        await second.start()
        await attendee.expect("Reconnected.", within=15)
        await attendee.expect("#1 sent — waiting for the moderator.")
        await attendee.type("/quit")
        code, _, err = await attendee.finish()
        assert (code, err) == (0, b"")
    finally:
        attendee.kill()
        if second is not None:
            await second.close()
    assert [row[3] for row in stored_questions(tmp_path / "hub.db")] == [
        "Asked while the hub was away"
    ]


async def test_piped_question_is_confirmed_before_the_command_exits(
    url: str,
    tmp_path: Path,
) -> None:
    """``echo question | fireside-ask HOST`` waits for the confirmation, then exits 0."""
    result = await run_command(
        url, input=b"Piped question?\n", FIRESIDE_ASK_CONFIG_DIR=str(tmp_path / "config")
    )
    assert result.returncode == 0, result.stderr
    assert b"#1 sent" in result.stdout


async def test_ctrl_c_leaves_interactive_mode_quietly_with_130(url: str, tmp_path: Path) -> None:
    """Ctrl-C ends interactive mode with exit code 130 and no traceback."""
    attendee = await Process.start("-m", "fireside_ask", url, home=tmp_path / "config")
    try:
        await attendee.expect("Type your question")
        attendee.proc.send_signal(signal.SIGINT)
        code, _, err = await attendee.finish()
    finally:
        attendee.kill()
    assert (code, err) == (130, b"")
