"""The session's Markdown record: where it goes and writing it beside the database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .format import session_timezone
from .link import HubLink
from .model import Model

Notify = Callable[..., None]
"""``App.notify``: how the writer says where the record went, or why it did not."""


def record_path(
    reply: dict[str, Any],
    model: Model,
    directory: Path | None,
    today: Callable[[], date] = date.today,
) -> Path:
    """``<db stem>-<date>.md`` beside the database, dated the day the session ran.

    That is the day the clock started (in the agenda's time zone), else today: a
    rehearsal with last year's agenda file is not filed under last year's date.
    """
    stem = Path(str(reply.get("db") or "fireside.db")).stem
    started = (model.clock or {}).get("started_at")
    timezone = session_timezone(model.session.get("starts_at"))
    day = (datetime.fromtimestamp(started, timezone).date() if started else today()).isoformat()
    return (directory or Path.cwd()) / f"{stem}-{day}.md"


async def write_record(
    link: HubLink, model: Model, directory: Path | None, notify: Notify
) -> Path | None:
    """Ask the hub for the record and write it; say where it went (or why not)."""
    reply = await link.request({"type": "export"})
    if reply.get("type") != "ack":
        notify(
            str(reply.get("message")),
            title="Record not written",
            severity="error",
            timeout=8,
            markup=False,
        )
        return None
    path = record_path(reply, model, directory)
    try:
        await asyncio.to_thread(path.write_text, str(reply["markdown"]), encoding="utf-8")
    except OSError as exc:
        notify(
            f"Could not write {path}: {exc.strerror}",
            title="Record not written",
            severity="error",
            timeout=8,
            markup=False,
        )
        return None
    notify(f"Session record written to {path}", title="Record", timeout=8, markup=False)
    return path
