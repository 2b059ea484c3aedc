"""The store's schema has a version and a migration path."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from fireside.room import Room
from fireside.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError


def test_a_version_1_database_is_migrated_and_keeps_its_questions(tmp_path: Path) -> None:
    """A database written by the first release opens, upgraded, with its questions intact."""
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version=1")
    db["questions"].insert(
        {
            "id": 1,
            "client_id": "client-one",
            "request_id": "r1",
            "text": "Old question?",
            "original_text": "Old question?",
            "state": "pending",
            "created_at": 1.0,
            "pinned": 0,
        }
    )
    db.conn.commit()
    db.conn.close()
    store = Store(path)
    room = Room()
    store.load_room(room)
    store.close()
    assert room.questions[1].text == "Old question?"
    assert room.questions[1].suggested_topic is None
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_database_from_a_newer_fireside_is_refused_clearly(tmp_path: Path) -> None:
    """Fireside never writes into a schema it does not know; it says to upgrade."""
    path = tmp_path / "new.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer Fireside"):
        Store(path)


def test_the_database_is_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    """Commits survive a crash and a power loss: WAL with synchronous=FULL."""
    store = Store(tmp_path / "s.db")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()
