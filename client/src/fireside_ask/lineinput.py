"""The attendee's typed lines, with line editing and history where the terminal allows.

On a terminal where the standard library's ``readline`` exists (not on Windows), lines are
read with ``input()`` in a daemon thread: the arrow keys edit, up-arrow recalls earlier
lines, and a question refused for its length is put back on the prompt to be shortened.
Anywhere else (a pipe, a file, Windows) a plain thread reads the file descriptor, as a
terminal in line mode would.

Either way the event loop never waits for the attendee. With readline, the thread asks for
the next line only when the loop has handled the last one (``ready``), so the loop can put
a refused question on the next prompt, and so that no prompt is half-read when the
client leaves; the terminal's settings are restored in ``close`` in case one is.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from rich.cells import cell_len

PROMPT = "> "


def _load_readline() -> ModuleType | None:
    """The ``readline`` module when standard input and output are a terminal, else None."""
    try:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            return None
    except (AttributeError, OSError, ValueError):
        return None
    try:
        import readline
    except ImportError:  # Windows, or a Python built without it
        return None
    return readline


class LineInput:
    """Hands each typed line to the event loop; ``None`` marks the end of input."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, *, editing: bool | None = None
    ) -> None:
        self.loop = loop
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.readline = _load_readline() if editing is not False else None
        self._go = threading.Event()
        self._prefill = ""
        self._prompting = False
        self._closed = False
        self._saved_tty: Any = None

    @property
    def editing(self) -> bool:
        """Whether lines are read with readline (editing, history, refill)."""
        return self.readline is not None

    def start(self) -> None:
        if self.readline is None:
            target = self._read_plain
        else:
            self._save_tty()
            self._go.set()
            target = self._read_edited
        threading.Thread(target=target, name="fireside-ask-stdin", daemon=True).start()

    def ready(self, prefill: str = "") -> None:
        """The last line is handled: read the next one, starting with ``prefill``."""
        self._prefill = prefill
        self._go.set()

    def remember(self, text: str) -> None:
        """Put ``text`` in the history (up-arrow brings it back), unless it is there last."""
        rl = self.readline
        if rl is None or not text:
            return
        length = rl.get_current_history_length()
        if length == 0 or rl.get_history_item(length) != text:
            rl.add_history(text)

    @contextlib.contextmanager
    def printing(self) -> Iterator[None]:
        """Around output: clear the half-typed line, then draw it again below the output.

        Without this, what the hub pushes lands in the middle of what the attendee types.
        """
        if not self._prompting or self.readline is None:
            yield
            return
        out = sys.stdout
        # A long line wraps over several rows: go up to its first row, then clear to the
        # end of the screen. (This assumes the cursor is at the end of the line, where
        # it is while someone types.)
        typed = cell_len(PROMPT + self.readline.get_line_buffer())
        rows = typed // max(1, shutil.get_terminal_size().columns)
        out.write("\r" + (f"\x1b[{rows}A" if rows else "") + "\x1b[J")
        out.flush()
        try:
            yield
        finally:
            out.write(PROMPT + self.readline.get_line_buffer())
            out.flush()

    def close(self) -> None:
        """Stop reading and give the terminal back as it was."""
        self._closed = True
        self._go.set()
        if self._saved_tty is not None:
            import termios

            with contextlib.suppress(OSError, termios.error):
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved_tty)

    # --- the reading threads -------------------------------------------------------
    def _deliver(self, line: str | None) -> bool:
        try:
            self.loop.call_soon_threadsafe(self.lines.put_nowait, line)
        except RuntimeError:  # the loop is gone: we are exiting
            return False
        return True

    def _save_tty(self) -> None:
        try:
            import termios

            self._saved_tty = termios.tcgetattr(sys.stdin.fileno())
        except (ImportError, OSError, ValueError):
            self._saved_tty = None

    def _on_startup(self) -> None:
        # Called by readline just before it shows the prompt, in the reading thread.
        self._prompting = True
        prefill, self._prefill = self._prefill, ""
        if prefill and self.readline is not None:
            self.readline.insert_text(prefill)

    def _read_edited(self) -> None:
        rl = self.readline
        assert rl is not None
        rl.set_startup_hook(self._on_startup)
        while True:
            self._go.wait()
            self._go.clear()
            if self._closed:
                return
            try:
                line: str | None = input(PROMPT)
            except (EOFError, OSError, ValueError):
                line = None
            finally:
                self._prompting = False
            if not self._deliver(line) or line is None:
                return

    def _read_plain(self) -> None:
        """Read the file descriptor with ``os.read``, not ``input()``.

        A daemon thread blocked inside ``sys.stdin`` holds its lock, and Python then aborts
        at exit ("could not acquire lock for stdin at interpreter shutdown") instead of
        exiting with our code.
        """
        try:
            fd = sys.stdin.fileno()
            encoding = sys.stdin.encoding or "utf-8"
        except (AttributeError, OSError, ValueError):  # no usable stdin (pythonw, closed)
            self._deliver(None)
            return
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        pending = ""
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            pending += decoder.decode(chunk, final=not chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                if not self._deliver(line.rstrip("\r")):
                    return
            if not chunk:
                if pending.strip():
                    self._deliver(pending)
                self._deliver(None)
                return
