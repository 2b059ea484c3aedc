"""The core runs without the TUI, and the attendee client without the moderator side."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

CORE_MODULES = [
    "fireside.hub",
    "fireside.store",
    "fireside.room",
    "fireside.roomdata",
    "fireside.agenda",
    "fireside.writer",
    "fireside.limits",
    "fireside.topics",
    "fireside.export",
    "fireside.snapshot",
    "fireside.clock",
    "fireside.clockevents",
    "fireside.clockview",
    "fireside.fdlimit",
    "fireside.logfilter",
]


def _imported_after(module: str) -> set[str]:
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_never_imports_textual(module: str) -> None:
    """Hub, store, rules and agenda load on a headless server with no TUI code."""
    loaded = _imported_after(module)
    assert module in loaded
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


def test_attendee_client_imports_no_tui_and_no_database() -> None:
    """The attendee's client pulls in neither Textual, sqlite-utils nor the hub."""
    loaded = _imported_after("fireside_ask.cli")
    forbidden = {"textual", "sqlite_utils", "sqlite3", "fireside"}
    assert "fireside_ask.cli" in loaded
    assert not {m.split(".")[0] for m in loaded} & forbidden


def test_attendee_distribution_depends_on_websockets_and_rich_only() -> None:
    """pipx run fireside-ask installs websockets and rich, never Textual or sqlite-utils."""
    import tomllib
    from pathlib import Path

    project = tomllib.loads(
        (Path(__file__).resolve().parent.parent / "client" / "pyproject.toml").read_text()
    )["project"]
    names = {
        dep.split(">")[0].split("=")[0].split("<")[0].strip() for dep in project["dependencies"]
    }
    assert names == {"websockets", "rich"}
    assert project["requires-python"] == ">=3.9"


def test_dashboard_loads_no_topic_model_qr_or_markdown_code_to_open() -> None:
    """fireside dashboard opens without loading what only merging, the QR code and the
    record preview use (the topic models and numpy, segno, markdown-it)."""
    modules = _imported_after("fireside.dashboard.app")
    assert "fireside.dashboard.app" in modules
    assert "fireside.topics" not in modules
    assert not {m.split(".")[0] for m in modules} & {"numpy", "segno", "markdown_it", "linkify_it"}
