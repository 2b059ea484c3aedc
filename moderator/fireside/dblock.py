"""One hub per database: an exclusive lock on ``<db>.lock``, holding the hub's process id.

Two hubs on one file would both hand out ids 1, 2, 3 and the disk would keep only one
hub's questions, so the second must refuse to start. ``flock`` is released by the kernel
when the process dies, even by SIGKILL, so a crash never leaves a stale lock behind; the
file left by a crash only names a process that is gone, and the next hub takes it over.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, one hub is the user's care
    fcntl = None  # type: ignore[assignment]


class StartError(RuntimeError):
    """The hub cannot start; the message is one line for the person who started it."""


class DatabaseLock:
    """An exclusive lock on a database, held for as long as the hub runs."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        """The lock file, ``<db>.lock``."""
        self._fd = fd

    @classmethod
    def acquire(cls, db_path: Path) -> DatabaseLock:
        """Take the lock, or raise ``StartError`` naming the hub that holds it."""
        path = db_path.with_name(db_path.name + ".lock")
        if fcntl is None:  # pragma: no cover
            return cls(path, None)
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise StartError(_cannot_use(db_path, exc)) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                who = f" (process {holder})" if holder.isdigit() else ""
                raise StartError(
                    f"{db_path} is in use by another Fireside hub{who}; "
                    "stop it first, or use another --db."
                ) from None
            # A hub stopping right now removes the file after we opened it: then we hold
            # a lock on a file nobody else can see. Lock the one on disk instead.
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        except OSError as exc:
            lock = cls(path, fd)
            lock.release()
            raise StartError(_cannot_use(db_path, exc)) from None
        return cls(path, fd)

    def release(self) -> None:
        """Remove the lock file and let the next hub in."""
        if self._fd is None:
            return
        # Unlink while still holding the lock, so nobody can lock a file about to vanish.
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None


def _cannot_use(db_path: Path, exc: OSError) -> str:
    """One line for a database whose lock cannot even be written (full disk, no rights)."""
    if exc.errno == errno.ENOSPC:
        return f"cannot use the database {db_path}: the disk is full ({exc.strerror})."
    return f"cannot use the database {db_path}: {exc.strerror or exc}."
