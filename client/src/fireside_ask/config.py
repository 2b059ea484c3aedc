"""Where fireside-ask keeps what must outlive one run: a client id per hub, unsent questions.

The client id is how a hub recognises an attendee who comes back (after a reconnect or a
restart of the client): it returns that attendee's own questions and votes. It is a random
``uuid4`` hex, made once per hub and kept in ``clients.json`` in the user's config
directory. Questions typed but not yet confirmed wait in ``outbox.json`` there, so a crash
or a closed laptop does not lose them.

Every write goes to a temporary file first and is then renamed over the old one, so a crash
mid-write never leaves half a file. If the directory cannot be written (read-only home, a
locked-down lab machine), everything still works for this run, from memory.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from .protocol import CLIENT_ID_PATTERN

#: Set this to keep the files somewhere else (tests, portable installs).
CONFIG_DIR_ENV = "FIRESIDE_ASK_CONFIG_DIR"
APP_DIR = "fireside-ask"
CLIENTS_FILE = "clients.json"
OUTBOX_FILE = "outbox.json"
#: Unsent questions older than this are dropped: that talk is over.
OUTBOX_MAX_AGE = 12 * 3600.0


def config_dir() -> Path:
    """The directory for this user's fireside-ask files, following each platform's habit."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = os.environ.get("APPDATA")
        if base:
            return Path(base) / APP_DIR
        return Path.home() / "AppData" / "Roaming" / APP_DIR
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_DIR
    xdg = os.environ.get("XDG_CONFIG_HOME")
    # The XDG spec says a relative value is invalid and must be ignored.
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / APP_DIR
    return Path.home() / ".config" / APP_DIR


def new_client_id() -> str:
    return uuid.uuid4().hex


def new_request_id() -> str:
    return "r" + uuid.uuid4().hex[:20]


class Config:
    """The fireside-ask files of one user; falls back to memory when the disk says no."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else config_dir()
        self.writable = True
        """False once a write failed; the caller may tell the user, once."""
        self.problem: str | None = None
        """Why the last write failed, for that message."""
        self._memory: dict[str, Any] = {}

    # --- files ---------------------------------------------------------------------
    def _read(self, name: str) -> dict[str, Any]:
        if name in self._memory:
            return dict(self._memory[name])
        try:
            with open(self.directory / name, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, name: str, data: dict[str, Any]) -> None:
        if not self.writable:
            self._memory[name] = data
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(
                prefix=f".{name}.", suffix=".tmp", dir=self.directory
            )
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(
                        data, handle, indent=1, sort_keys=True, ensure_ascii=False
                    )
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp, self.directory / name)
            except BaseException:
                try:
                    os.unlink(temp)
                except OSError:
                    pass
                raise
        except OSError as exc:
            self.writable = False
            self.problem = f"{self.directory}: {exc.strerror or exc}"
            self._memory[name] = data

    # --- client id -----------------------------------------------------------------
    def client_id(self, url: str) -> str:
        """This user's id for the hub at ``url`` (a normalized URL), made on first use."""
        clients = self._read(CLIENTS_FILE)
        existing = clients.get(url)
        if isinstance(existing, str) and CLIENT_ID_PATTERN.fullmatch(existing):
            return existing
        clients[url] = new_client_id()
        self._write(CLIENTS_FILE, clients)
        return str(clients[url])

    # --- outbox --------------------------------------------------------------------
    def outbox(self, url: str, *, now: float | None = None) -> list[dict[str, Any]]:
        """Questions for ``url`` that were typed but never confirmed, oldest first."""
        now = time.time() if now is None else now
        entries = self._read(OUTBOX_FILE).get(url)
        if not isinstance(entries, list):
            return []
        kept = []
        for entry in entries:
            if (
                isinstance(entry, dict)
                and isinstance(entry.get("request_id"), str)
                and isinstance(entry.get("text"), str)
                and isinstance(entry.get("at"), (int, float))
                and now - entry["at"] < OUTBOX_MAX_AGE
            ):
                kept.append(entry)
        return kept

    def add_to_outbox(
        self, url: str, request_id: str, text: str, *, now: float | None = None
    ) -> None:
        """Keep one unconfirmed question until ``remove_from_outbox``."""
        data = self._read(OUTBOX_FILE)
        entries = [
            e for e in self.outbox(url, now=now) if e["request_id"] != request_id
        ]
        entries.append(
            {
                "request_id": request_id,
                "text": text,
                "at": time.time() if now is None else now,
            }
        )
        data[url] = entries
        self._write(OUTBOX_FILE, data)

    def remove_from_outbox(self, url: str, request_id: str) -> None:
        """Forget a question once the hub confirmed or refused it."""
        data = self._read(OUTBOX_FILE)
        entries = [e for e in self.outbox(url) if e["request_id"] != request_id]
        if entries:
            data[url] = entries
        else:
            data.pop(url, None)
        self._write(OUTBOX_FILE, data)
