"""The dashboard's keys: one table with id, description and tooltip.

The footer, the help screen (``?``) and the command palette are all generated from
``KEYS``, so a key is described once and a keymap can remap it by its id.
"""

from __future__ import annotations

from textual.binding import Binding

from fireside_ask import protocol as p

APPLIES: dict[str, frozenset[str]] = {**p.ACTION_STATES, "view": frozenset(p.STATES)}
"""Which question states each key's action applies to (the footer hides the others): the
hub's own table, plus viewing, which applies to any question."""

CLOCK_KEYS = Binding.Group("Clock")

KEYS: list[Binding] = [
    Binding(
        "a",
        "approve",
        "Approve",
        id="approve",
        tooltip="Approve the highlighted question: everyone can see and vote on it",
    ),
    Binding(
        "r", "reject", "Reject", id="reject", tooltip="Reject it: only moderators see it again"
    ),
    Binding(
        "enter",
        "on_air",
        "On air",
        key_display="⏎",
        id="on_air",
        tooltip="Put it on air; the question on air before is marked answered",
    ),
    Binding(
        "d",
        "answered",
        "Done",
        id="answered",
        tooltip="Mark the question on air answered (else the highlighted one)",
    ),
    Binding("p", "pin", "Pin", id="pin", tooltip="Pin or unpin: pinned questions lead the queue"),
    Binding("e", "edit", "Edit", id="edit", tooltip="Edit the text; the original is kept"),
    Binding("t", "topic", "Topic", id="topic", tooltip="Set the topic (agenda segment)"),
    Binding(
        "m",
        "merge",
        "Merge",
        id="merge",
        tooltip="Merge into another question: votes add up, both texts are kept",
    ),
    Binding("u", "undo", "Undo", id="undo", tooltip="Undo the last moderator action"),
    Binding(
        "v",
        "view",
        "Full text",
        id="view",
        show=False,
        tooltip="Read the highlighted question in full, with its hints and original",
    ),
    Binding(
        "n",
        "clock('next')",
        "Next segment",
        id="next",
        show=False,
        group=CLOCK_KEYS,
        tooltip="Next segment (starts the clock before the session)",
    ),
    Binding(
        "b",
        "clock('back')",
        "Back one segment",
        id="back",
        show=False,
        group=CLOCK_KEYS,
        tooltip="Back one segment; its time continues where it stopped",
    ),
    Binding(
        "space",
        "clock('toggle')",
        "Pause or resume",
        key_display="␣",
        id="pause",
        show=False,
        group=CLOCK_KEYS,
        tooltip="Start, pause or resume the clock",
    ),
    Binding(
        "plus",
        "adjust(60)",
        "Extend one minute",
        key_display="+",
        id="extend",
        show=False,
        group=CLOCK_KEYS,
        tooltip="Give the current segment one more minute",
    ),
    Binding(
        "minus",
        "adjust(-60)",
        "Shorten one minute",
        key_display="-",
        id="shorten",
        show=False,
        group=CLOCK_KEYS,
        tooltip="Take one minute off the current segment",
    ),
    Binding(
        "x",
        "record",
        "Record",
        id="record",
        show=False,
        tooltip="Preview the session's Markdown record; w writes it beside the database",
    ),
    Binding(
        "g",
        "topics",
        "Topics",
        id="topics",
        show=False,
        tooltip="Questions grouped by topic, with counts; enter jumps to one",
    ),
    Binding(
        "s",
        "sort",
        "Sort",
        id="sort",
        show=False,
        tooltip="Sort the queue by votes, time or topic",
    ),
    Binding(
        "slash",
        "filter",
        "Filter",
        key_display="/",
        id="filter",
        show=False,
        tooltip="Show only questions containing some text",
    ),
    Binding(
        "k",
        "token",
        "Moderator token",
        id="token",
        show=False,
        tooltip="Show the moderator token (masked until you ask) for a co-moderator",
    ),
    Binding(
        "j",
        "join_qr",
        "Join QR code",
        id="join-qr",
        show=False,
        tooltip="Show the attendee page's address as a QR code, to project for phones",
    ),
    Binding("question_mark", "help", "Help", key_display="?", id="help", tooltip="Show every key"),
    Binding("q", "quit_app", "Quit", id="quit", show=False, tooltip="Quit (asks first)"),
]
