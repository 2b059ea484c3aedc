"""A real, small filesystem for disk-full tests: a tmpfs mounted for one test (root only)."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_filesystem(where: Path, size: str = "1m") -> Iterator[Path]:
    """Mount a tmpfs of ``size`` at ``where`` for the duration; skip where that is impossible.

    CI runs as root and can mount; a developer's machine usually cannot, and the test is
    skipped with the reason rather than faked.
    """
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("needs root on Linux to mount a small tmpfs")
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(filesystem: Path) -> Path:
    """Fill ``filesystem`` to the last byte with one file; return it (delete it to free)."""
    filler = filesystem / "filler"
    chunk = b"\0" * 4096
    with filler.open("wb", buffering=0) as out:
        while True:
            try:
                out.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
    # A partly written last block may still leave room for a few bytes: take them too.
    with filler.open("ab", buffering=0) as out, contextlib.suppress(OSError):
        while out.write(b"\0"):
            pass
    return filler
