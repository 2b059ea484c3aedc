"""The dashboard's keys: ``KEYS``, one row a key, and ``TOOLTIPS``, what each does.

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

SYMBOLS = {
    "enter": "⏎",
    "space": "␣",
    "plus": "+",
    "minus": "-",
    "slash": "/",
    "question_mark": "?",
}
"""How the footer, the help screen and the palette show the keys Textual names by a word."""

TOOLTIPS = {
    "approve": "Approve the highlighted question: everyone can see and vote on it",
    "reject": "Reject it: only moderators see it again",
    "on_air": "Put it on air; the question on air before is marked answered",
    "answered": "Mark the question on air answered (else the highlighted one)",
    "pin": "Pin or unpin: pinned questions lead the queue",
    "edit": "Edit the text; the original is kept",
    "topic": "Set the topic (agenda segment)",
    "merge": "Merge into another question: votes add up, both texts are kept",
    "undo": "Undo the last moderator action",
    "view": "Read the highlighted question in full, with its hints and original",
    "next": "Next segment (starts the clock before the session)",
    "back": "Back one segment; its time continues where it stopped",
    "pause": "Start, pause or resume the clock",
    "extend": "Give the current segment one more minute",
    "shorten": "Take one minute off the current segment",
    "record": "Preview the session's Markdown record; w writes it beside the database",
    "topics": "Questions grouped by topic, with counts; enter jumps to one",
    "sort": "Sort the queue by votes, time or topic",
    "filter": "Show only questions containing some text",
    "token": "Show the moderator token (masked until you ask) for a co-moderator",
    "join-qr": "Show the attendee page's address as a QR code, to project for phones",
    "help": "Show every key",
    "quit": "Quit (asks first)",
}
"""What each key does, by its id: the help screen (``?``) and the command palette show it."""

FOOTER = True
"""For ``_key``'s ``show``: the footer offers the key (when it applies)."""


def _key(
    key: str,
    action: str,
    description: str,
    show: bool = False,
    *,
    id: str = "",
    group: Binding.Group | None = None,
) -> Binding:
    """One row of ``KEYS``; its ``id`` (what a keymap remaps) is the action's unless given."""
    id = id or action
    return Binding(
        key,
        action,
        description,
        show=show,
        key_display=SYMBOLS.get(key),
        tooltip=TOOLTIPS[id],
        id=id,
        group=group,
    )


# The footer (which hides the keys that do not apply to the highlighted question), the
# help screen and the command palette list the keys in this order.
KEYS: list[Binding] = [
    _key("a", "approve", "Approve", FOOTER),
    _key("r", "reject", "Reject", FOOTER),
    _key("enter", "on_air", "On air", FOOTER),
    _key("d", "answered", "Done", FOOTER),
    _key("p", "pin", "Pin", FOOTER),
    _key("e", "edit", "Edit", FOOTER),
    _key("t", "topic", "Topic", FOOTER),
    _key("m", "merge", "Merge", FOOTER),
    _key("u", "undo", "Undo", FOOTER),
    _key("v", "view", "Full text"),
    _key("n", "clock('next')", "Next segment", id="next", group=CLOCK_KEYS),
    _key("b", "clock('back')", "Back one segment", id="back", group=CLOCK_KEYS),
    _key("space", "clock('toggle')", "Pause or resume", id="pause", group=CLOCK_KEYS),
    _key("plus", "adjust(60)", "Extend one minute", id="extend", group=CLOCK_KEYS),
    _key("minus", "adjust(-60)", "Shorten one minute", id="shorten", group=CLOCK_KEYS),
    _key("x", "record", "Record"),
    _key("g", "topics", "Topics"),
    _key("s", "sort", "Sort"),
    _key("slash", "filter", "Filter"),
    _key("k", "token", "Moderator token"),
    _key("j", "join_qr", "Join QR code", id="join-qr"),
    _key("question_mark", "help", "Help", FOOTER),
    _key("q", "quit_app", "Quit", id="quit"),
]
