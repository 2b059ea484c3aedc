"""Interactive ``fireside-ask`` on a real terminal: line editing, history, refused text kept.

The client runs as its own process on a pseudo-terminal, as an attendee's terminal would
run it, and the test types keys (arrows included) into it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import re
import struct
import sys
import termios
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from .helpers import command_env, hub_at, stored_questions

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal"),
]

UP = "\x1b[A"
BACKSPACE = "\x7f"
_ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_])")


class Terminal:
    """A process on a pseudo-terminal: type keys into it, read what it shows."""

    def __init__(self, proc: asyncio.subprocess.Process, master: int) -> None:
        self.proc = proc
        self.master = master
        self.raw = b""
        self.seen = 0
        """How much of the screen text ``expect`` has already matched."""
        self._data = asyncio.Event()
        asyncio.get_running_loop().add_reader(master, self._read)

    def _read(self) -> None:
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the process closed the terminal
            chunk = b""
        if not chunk:
            asyncio.get_running_loop().remove_reader(self.master)
        self.raw += chunk
        self._data.set()

    @property
    def text(self) -> str:
        """What was shown, without the terminal's control sequences."""
        return _ESCAPES.sub("", self.raw.decode("utf-8", "replace")).replace("\r", "")

    async def expect(self, needle: str, within: float = 10.0) -> None:
        """Wait until ``needle`` shows after the last thing expected."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (found := self.text.find(needle, self.seen)) < 0:
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"{needle!r} not shown; the screen had:\n{self.text}")
            self._data.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._data.wait(), left)
        self.seen = found + len(needle)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())


@contextlib.asynccontextmanager
async def terminal(url: str, home: Path) -> AsyncIterator[Terminal]:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 35, 120, 0, 0))
    env = command_env(FIRESIDE_ASK_CONFIG_DIR=str(home), TERM="xterm")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fireside_ask",
        url,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    term = Terminal(proc, master)
    try:
        yield term
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
        with contextlib.suppress(ValueError):
            asyncio.get_running_loop().remove_reader(master)
        os.close(master)


async def test_up_arrow_recalls_the_last_question_to_edit(tmp_path: Path) -> None:
    """Up-arrow brings back the last line to edit (no ``^[[A``), and Enter sends the edit."""
    async with hub_at(tmp_path, 0) as hub, terminal(
        f"127.0.0.1:{hub.port}", tmp_path / "config"
    ) as term:
        await term.expect("Type your question")
        term.type("First question?\r")
        await term.expect("#1 sent")
        term.type(UP + " again\r")
        await term.expect("#2 sent")
        term.type("/quit\r")
        assert await asyncio.wait_for(term.proc.wait(), 10) == 0
    assert "^[[A" not in term.text
    assert [row[3] for row in stored_questions(tmp_path / "hub.db")] == [
        "First question?",
        "First question? again",
    ]


async def test_question_refused_for_length_comes_back_to_be_shortened(tmp_path: Path) -> None:
    """A question over the limit is put back on the prompt; shortening it and Enter sends it."""
    async with hub_at(tmp_path, 0, max_chars=20) as hub, terminal(
        f"127.0.0.1:{hub.port}", tmp_path / "config"
    ) as term:
        await term.expect("Type your question")
        term.type("Is this too long, really?\r")  # 25 characters
        await term.expect("Not sent: The question has 25 characters; the limit is 20.")
        await term.expect("Is this too long, really?")  # back on the prompt
        term.type(BACKSPACE * 9 + "?\r")
        await term.expect("#1 sent")
        term.type("/quit\r")
        assert await asyncio.wait_for(term.proc.wait(), 10) == 0
    assert [row[3] for row in stored_questions(tmp_path / "hub.db")] == ["Is this too long?"]


async def test_leaving_gives_the_terminal_back_as_it_was(tmp_path: Path) -> None:
    """After /quit the terminal echoes and reads lines again, as before fireside-ask ran."""
    async with hub_at(tmp_path, 0) as hub, terminal(
        f"127.0.0.1:{hub.port}", tmp_path / "config"
    ) as term:
        before = termios.tcgetattr(term.master)
        await term.expect("Type your question")
        term.type("/quit\r")
        assert await asyncio.wait_for(term.proc.wait(), 10) == 0
        after = termios.tcgetattr(term.master)
    assert after[3] & (termios.ECHO | termios.ICANON) == before[3] & (
        termios.ECHO | termios.ICANON
    )
