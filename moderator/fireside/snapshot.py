"""One session read from its database for the record: read-only, as one consistent snapshot.

It opens the database in read-only mode and reads everything inside one read transaction,
so it works while a hub is writing (WAL gives readers a stable view). ``fireside.export``
renders what it reads.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from .clockevents import Event
from .room import Question
from .store import SCHEMA_VERSION, StoreError, read_clock_events, read_questions

_TABLES = {"meta", "questions", "votes", "actions", "events"}


@dataclass
class Snapshot:
    """Everything the record is made of, read in one transaction."""

    meta: dict[str, str]
    questions: list[Question]
    votes: list[tuple[int, str]]
    clock_events: list[Event]
    latest: float | None
    """The latest time found anywhere in the database: the record's "now"."""


def read_snapshot(db_path: Path) -> Snapshot:
    """Read the session from ``db_path`` read-only, as one consistent snapshot."""
    path = Path(db_path)
    if not path.is_file():
        raise FileNotFoundError(2, "No such database", str(path))
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open the database ({exc})") from None
    try:
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("BEGIN")
        snapshot = _read(conn, path)
        conn.execute("COMMIT")
        return snapshot
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a readable Fireside database ({exc})") from None
    finally:
        conn.close()


def _read(conn: sqlite3.Connection, path: Path) -> Snapshot:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer Fireside (schema {version}); "
            "upgrade Fireside to export it."
        )
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables >= _TABLES:
        raise StoreError(f"{path} is not a Fireside session database.")
    meta = dict(conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall())
    questions = read_questions(conn)
    votes = conn.execute(
        "SELECT question_id, client_id FROM votes ORDER BY question_id, client_id"
    ).fetchall()
    clock_events = read_clock_events(conn)
    latest = conn.execute(
        "SELECT max(t) FROM ("
        " SELECT max(at) AS t FROM events UNION ALL SELECT max(at) FROM actions"
        " UNION ALL SELECT max(created_at) FROM votes"
        " UNION ALL SELECT max(max(created_at, coalesce(approved_at, 0),"
        "   coalesce(on_air_at, 0), coalesce(answered_at, 0))) FROM questions)"
    ).fetchone()[0]
    return Snapshot(meta, questions, votes, clock_events, latest)
