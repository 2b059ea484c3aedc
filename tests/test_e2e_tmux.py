"""The real commands in a real terminal: ``fireside run --demo 20`` under tmux.

A question sent with ``fireside-ask`` from another process appears on the dashboard; the
moderator approves it and puts it on air by keypress; the stage view shows it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .helpers import free_port

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

TOKEN = "tmux-test-token"


class Tmux:
    """A private tmux server (its own socket) so tests never touch the user's sessions."""

    def __init__(self, name: str) -> None:
        self.socket = name

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return result.stdout

    def start(self, window: str, command: str, size: tuple[int, int]) -> None:
        width, height = size
        if window == "main":
            self.run(
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-n",
                window,
                "-x",
                str(width),
                "-y",
                str(height),
                command,
            )
        else:
            self.run("new-window", "-t", "e2e", "-n", window, command)

    def screen(self, window: str) -> str:
        return self.run("capture-pane", "-p", "-t", f"e2e:{window}")

    def keys(self, window: str, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", f"e2e:{window}", key)

    def wait_for(
        self, window: str, check: Callable[[str], bool], within: float = 30.0, what: str = ""
    ) -> str:
        deadline = time.monotonic() + within
        while True:
            screen = self.screen(window)
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen was:\n{screen}")
            time.sleep(0.1)  # polling a terminal; there is no event to wait on

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def footer(screen: str) -> str:
    lines = [line for line in screen.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    # A socket of its own per test: a server still shutting down must not meet the next.
    session = Tmux(f"fireside-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    yield session
    session.kill()


@pytest.mark.parametrize("size", [(120, 35), (80, 24)], ids=["120x35", "80x24"])
def test_fireside_run_demo_under_tmux(tmux: Tmux, tmp_path: Path, size: tuple[int, int]) -> None:
    """A question from fireside-ask shows up, goes on air by keypress, and reaches the stage."""
    port = free_port()
    python = sys.executable
    db = tmp_path / "e2e.db"
    env = f"cd {tmp_path} && FIRESIDE_TOKEN={TOKEN} "
    tmux.start("main", f"{env}{python} -m fireside run --demo 20 --port {port} --db {db}", size)
    tmux.wait_for("main", lambda s: "● live" in s, what="the dashboard to connect")
    width, height = size
    assert (
        tmux.run("display", "-p", "-t", "e2e:main", "#{window_width}x#{window_height}").strip()
        == f"{width}x{height}"
    )

    text = "Tmux check: does Qwen beat Llama for German?"
    asked = subprocess.run(
        [python, "-m", "fireside_ask", f"127.0.0.1:{port}", "--ask", text],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")},
    )
    assert asked.returncode == 0, asked.stderr
    question_id = asked.stdout.strip()
    assert question_id.startswith("#")

    # Narrow the lists to that question, approve it, then put it on air from the queue.
    tmux.keys("main", "/")
    tmux.wait_for("main", lambda s: "Filter questions" in s, what="the filter box")
    tmux.keys("main", "Tmux check")
    tmux.wait_for("main", lambda s: "Inbox 1/" in s, what="the filtered inbox")
    tmux.keys("main", "Enter")
    # The footer lists the question keys once the list (not the filter box) has the focus.
    tmux.wait_for("main", lambda s: "Approve" in footer(s), what="the list to take focus")
    tmux.keys("main", "a")
    tmux.wait_for("main", lambda s: "Queue 1" in s, what="the approval")
    tmux.keys("main", "Tab")
    tmux.wait_for("main", lambda s: "On air" in footer(s), what="the queue to take focus")
    tmux.keys("main", "Enter")
    screen = tmux.wait_for(
        "main",
        lambda s: (
            any("ON AIR" in line for line in s.splitlines())
            and "Nothing on air" not in s
            and s.count("Tmux check: does Qwen") >= 1
        ),
        what="the question on air",
    )
    assert f"{question_id} ·" in screen or "Tmux check" in screen

    tmux.start("stage", f"{python} -m fireside stage 127.0.0.1:{port}", size)
    stage = tmux.wait_for("stage", lambda s: text in s, what="the stage view")
    assert "ON AIR" in stage

    tmux.keys("main", "q")
    tmux.wait_for("main", lambda s: "Quit Fireside?" in s, what="the quit question")
    tmux.keys("main", "y")


def test_fireside_dashboard_on_a_separate_hub_under_tmux(tmux: Tmux, tmp_path: Path) -> None:
    """fireside dashboard URL connects to a headless hub with the token from the environment."""
    port = free_port()
    python = sys.executable
    server = subprocess.Popen(
        [
            python,
            "-m",
            "fireside",
            "serve",
            "--db",
            str(tmp_path / "remote.db"),
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
            "--token",
            TOKEN,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "listening" in line:
                break
        subprocess.run(
            [python, "-m", "fireside_ask", f"127.0.0.1:{port}", "--ask", "Remote question?"],
            check=True,
            capture_output=True,
            timeout=60,
            env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")},
        )
        tmux.start(
            "main",
            f"FIRESIDE_TOKEN={TOKEN} {python} -m fireside dashboard 127.0.0.1:{port}",
            (100, 30),
        )
        screen = tmux.wait_for(
            "main", lambda s: "● live" in s and "Remote question?" in s, what="the remote dashboard"
        )
        assert "Inbox 1" in screen
        tmux.start(
            "wrong",
            # The shell stays to show the exit status of a dashboard that gave up.
            f"FIRESIDE_TOKEN=nope {python} -m fireside dashboard 127.0.0.1:{port};"
            " echo exit=$?; sleep 60",
            (100, 30),
        )
        tmux.wait_for("wrong", lambda s: "token is missing or wrong" in s, what="the refusal")
        assert "Moderator token" in tmux.screen("wrong")  # asked again, not an empty shell
        tmux.keys("wrong", "Escape")
        tmux.wait_for("wrong", lambda s: "exit=1" in s, what="a non-zero exit")
    finally:
        server.terminate()
        server.wait(timeout=30)
