"""How the command that opens the dashboard sets it up: ``fireside run`` or ``dashboard``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fireside_ask import protocol as p


@dataclass(frozen=True)
class DashboardSettings:
    """What the dashboard tells attendees, asks before quitting, and where its record goes."""

    join_command: str = ""
    """What the header tells attendees to type; empty: what the hub says, else the URL."""
    join_url: str = ""
    """The attendee page's address (header and QR code); empty: what the hub says."""
    quit_question: str = "Quit the dashboard? The hub keeps running."
    max_chars: int = p.MAX_QUESTION_CHARS
    """Longest question text the hub accepts (the edit box keeps to it)."""
    record_dir: Path | None = None
    """Where the record goes: beside the database for fireside run, else here."""
