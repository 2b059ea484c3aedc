"""The attendee client as a wheel, built in memory from the installed ``fireside_ask``.

Until ``fireside-ask`` is on the package index, the hub serves it itself, so that the join
command it prints works today. Nothing is built at install time and nothing is fetched at
run time: a wheel is a zip of the package's files plus three small metadata files, and all
of them are made here from what is installed, the same bytes on every call.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.metadata
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import fireside_ask

DISTRIBUTION = "fireside-ask"
_PACKAGE = "fireside_ask"
# Zip entries carry a date; a fixed one keeps the wheel identical from build to build.
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Wheel:
    """A built wheel: its file name (which carries the version) and its bytes."""

    filename: str
    data: bytes


def wheel_filename() -> str:
    """``fireside_ask-VERSION-py3-none-any.whl`` for the installed client."""
    return f"{_PACKAGE}-{_version()}-py3-none-any.whl"


def _version() -> str:
    return importlib.metadata.version(DISTRIBUTION)


def _metadata() -> str:
    """The METADATA file: the installed distribution's own, so the facts stay in one place."""
    text = importlib.metadata.distribution(DISTRIBUTION).read_text("METADATA")
    if not text:
        raise RuntimeError(f"the installed {DISTRIBUTION} has no METADATA")
    return text


def _entry_points() -> str:
    scripts = sorted(
        (ep.name, ep.value)
        for ep in importlib.metadata.distribution(DISTRIBUTION).entry_points
        if ep.group == "console_scripts"
    )
    return "[console_scripts]\n" + "".join(f"{name} = {value}\n" for name, value in scripts)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


def _package_files() -> list[tuple[str, bytes]]:
    root = Path(fireside_ask.__file__).parent
    files = [
        path
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".typed")
    ]
    return [
        (f"{_PACKAGE}/{path.relative_to(root).as_posix()}", path.read_bytes())
        for path in sorted(files)
    ]


@functools.cache
def build_wheel() -> Wheel:
    """Build (once per process) the wheel of the installed attendee client."""
    info = f"{_PACKAGE}-{_version()}.dist-info"
    entries = _package_files() + [
        (f"{info}/METADATA", _metadata().encode()),
        (
            f"{info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: fireside\nRoot-Is-Purelib: true\n"
            b"Tag: py3-none-any\n",
        ),
        (f"{info}/entry_points.txt", _entry_points().encode()),
    ]
    record = "".join(_record_line(name, data) for name, data in entries)
    record += f"{info}/RECORD,,\n"
    entries.append((f"{info}/RECORD", record.encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            entry = zipfile.ZipInfo(name, _EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return Wheel(wheel_filename(), buffer.getvalue())
