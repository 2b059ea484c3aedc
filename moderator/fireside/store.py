"""SQLite storage for one session: schema, migrations, loading, and batched commits.

Durability choice: WAL mode with ``synchronous=FULL``. Every commit is fsynced, so an
acknowledged question survives a process crash *and* a power loss. To keep that affordable
the hub commits in groups (see ``fireside.writer``): one fsync covers every request that
arrived while the previous commit was running, so the cost per question falls as load
rises. ``synchronous=NORMAL`` would survive a crash but could lose the last commits on
power loss, which breaks the promise an ``ack`` makes.

All writes go through one thread (the writer); readers such as ``fireside export`` open
their own connection and see a consistent snapshot thanks to WAL.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from .clock import STORED_PREFIX, Event
from .room import Action, Question, Room

SCHEMA_VERSION = 2

Write = tuple[str, Sequence[Any]]
"""One SQL statement and its parameters, run inside a batch's transaction."""

_QUESTION_COLUMNS = [f.name for f in Question.__dataclass_fields__.values()]


def _migrate_1(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key", if_not_exists=True)
    db.table("questions").create(
        {
            "id": int,
            "client_id": str,
            "request_id": str,
            "text": str,
            "original_text": str,
            "state": str,
            "created_at": float,
            "name": str,
            "segment": str,
            "pinned": int,
            "topic": str,
            "merged_into": int,
            "approved_at": float,
            "on_air_at": float,
            "on_air_segment": str,
            "answered_at": float,
        },
        pk="id",
        not_null={"client_id", "request_id", "text", "original_text", "state", "created_at"},
        defaults={"pinned": 0},
        if_not_exists=True,
    )
    db.table("questions").create_index(["client_id", "request_id"], unique=True, if_not_exists=True)
    db.table("votes").create(
        {"question_id": int, "client_id": str, "created_at": float},
        pk=("question_id", "client_id"),
        if_not_exists=True,
    )
    db.table("actions").create(
        {
            "id": int,
            "kind": str,
            "at": float,
            "question_id": int,
            "before": str,
            "after": str,
            "undone": int,
        },
        pk="id",
        defaults={"undone": 0},
        if_not_exists=True,
    )
    db.table("events").create(
        {"id": int, "at": float, "kind": str, "data": str}, pk="id", if_not_exists=True
    )


def _migrate_2(db: sqlite_utils.Database) -> None:
    # Topic suggestion and duplicate hints, computed when a question arrives.
    questions = db["questions"]
    assert isinstance(questions, sqlite_utils.db.Table)
    for column, kind in (
        ("suggested_topic", str),
        ("suggestion_words", str),
        ("duplicate_of", int),
    ):
        if column not in questions.columns_dict:
            questions.add_column(column, kind)


#: Migration n takes a database at version n-1 to version n. Append, never edit.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_migrate_1, _migrate_2]


class StoreError(RuntimeError):
    """The database cannot be used (newer schema, unreadable file)."""


class Store:
    """The session's database. Writes happen on one thread at a time, in batches."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db = sqlite_utils.Database(conn)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()
        stat = os.stat(self.path)
        self._identity = (stat.st_dev, stat.st_ino)

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer Fireside (schema {version}); "
                "upgrade Fireside to open it."
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            with self.db.conn:
                self.db.execute("BEGIN IMMEDIATE")
                MIGRATIONS[number - 1](self.db)
                self.db.execute(f"PRAGMA user_version={number}")

    def close(self) -> None:
        self.db.conn.close()

    def gone(self) -> bool:
        """Whether ``path`` no longer names the file this store has open (deleted, replaced).

        SQLite keeps writing into an unlinked file without complaint, so commits would
        succeed, and be acknowledged, into a file nobody can ever open again.
        """
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return True
        return (stat.st_dev, stat.st_ino) != self._identity

    # --- meta ----------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.commit([meta_write(key, value)])

    # --- loading -------------------------------------------------------------------
    def load_room(self, room: Room) -> None:
        """Fill ``room`` with every stored question, vote and moderator action."""
        questions = read_questions(self.db.conn)
        votes = self.db.execute("SELECT question_id, client_id FROM votes").fetchall()
        actions = [
            Action(
                id=row[0],
                kind=row[1],
                at=row[2],
                question_id=row[3],
                before=json.loads(row[4]),
                after=json.loads(row[5]),
                undone=bool(row[6]),
            )
            for row in self.db.execute(
                "SELECT id, kind, at, question_id, before, after, undone FROM actions ORDER BY id"
            )
        ]
        room.load(questions, votes, actions)

    def clock_events(self) -> list[Event]:
        """The segment clock's stored events, oldest first."""
        return read_clock_events(self.db.conn)

    # --- writing -------------------------------------------------------------------
    def commit(self, writes: Iterable[Write]) -> None:
        """Run every write in one transaction and commit it (fsynced) before returning."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for sql, params in writes:
                conn.execute(sql, params)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def read_questions(conn: sqlite3.Connection) -> list[Question]:
    """Every stored question, by id; an older schema's missing columns keep their defaults."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(questions)")}
    columns = [name for name in _QUESTION_COLUMNS if name in present]
    questions = []
    for row in conn.execute(f"SELECT {', '.join(columns)} FROM questions ORDER BY id"):
        data = dict(zip(columns, row, strict=True))
        data["pinned"] = bool(data.get("pinned"))
        questions.append(Question(**data))
    return questions


def read_clock_events(conn: sqlite3.Connection) -> list[Event]:
    """The segment clock's stored events, oldest first."""
    return [
        Event.from_stored(at, kind, json.loads(data or "{}"))
        for at, kind, data in conn.execute(
            "SELECT at, kind, data FROM events WHERE kind LIKE ? ORDER BY id",
            [STORED_PREFIX + "%"],
        )
    ]


def question_write(question: Question) -> Write:
    """Store a new question with a plain ``INSERT``: an id already on disk fails the commit.

    Never ``INSERT OR REPLACE``: if the hub ever handed out an id twice, replacing would
    silently overwrite a question that was already acknowledged.
    """
    row = question.row()
    row["pinned"] = int(row["pinned"])
    placeholders = ", ".join("?" for _ in _QUESTION_COLUMNS)
    return (
        f"INSERT INTO questions ({', '.join(_QUESTION_COLUMNS)}) VALUES ({placeholders})",
        [row[c] for c in _QUESTION_COLUMNS],
    )


def question_update(question: Question) -> Write:
    """Store the new state of a question that is already on disk."""
    row = question.row()
    row["pinned"] = int(row["pinned"])
    columns = [c for c in _QUESTION_COLUMNS if c != "id"]
    return (
        f"UPDATE questions SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
        [*(row[c] for c in columns), question.id],
    )


def vote_write(question_id: int, client_id: str, up: bool, now: float) -> Write:
    if up:
        return (
            "INSERT OR IGNORE INTO votes (question_id, client_id, created_at) VALUES (?, ?, ?)",
            [question_id, client_id, now],
        )
    return (
        "DELETE FROM votes WHERE question_id = ? AND client_id = ?",
        [question_id, client_id],
    )


def action_write(action: Action) -> Write:
    """Store a new moderator action (plain ``INSERT``, like a new question)."""
    return (
        "INSERT INTO actions (id, kind, at, question_id, before, after, undone) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            action.id,
            action.kind,
            action.at,
            action.question_id,
            json.dumps(action.before, ensure_ascii=False),
            json.dumps(action.after, ensure_ascii=False),
            int(action.undone),
        ],
    )


def action_undone_write(action: Action) -> Write:
    """Mark a stored action undone (or not)."""
    return ("UPDATE actions SET undone = ? WHERE id = ?", [int(action.undone), action.id])


def meta_write(key: str, value: str) -> Write:
    return ("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])


def event_write(at: float, kind: str, data: dict[str, Any]) -> Write:
    return (
        "INSERT INTO events (at, kind, data) VALUES (?, ?, ?)",
        [at, kind, json.dumps(data, ensure_ascii=False, sort_keys=True)],
    )
