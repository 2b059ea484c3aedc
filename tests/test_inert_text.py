"""Attendee text is inert everywhere it is shown: property tests over hostile text.

The text mixes ESC, CSI, OSC (title changes, OSC 8 links), DCS, C1 controls, bidi
overrides, zero-width characters, Rich markup and Markdown. Whatever it is, the stored text
holds no control sequence, and each renderer (the attendee client, the dashboard, the stage
view) draws exactly the cleaned characters: no markup is interpreted, and the only escape
sequences in what reaches the terminal are the colours the renderer chose itself.
"""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from fireside.dashboard.table import QuestionTable
from fireside_ask import render
from fireside_ask.text import clean_text

PIECES = [
    "\x1b[2J",
    "\x1b[31m",
    "\x1b]0;owned\x07",
    "\x1b]8;;https://evil.example\x1b\\",
    "\x1b]8;;\x1b\\",
    "\x1bP+q\x1b\\",
    "\x9b31m",
    "\x9d0;x\x9c",
    "\x85",
    "\x90x\x9c",
    "\u202e",
    "\u202a",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200c",
    "\u200d",
    "\ufeff",
    "\u2028",
    "\x00",
    "\x07",
    "\x08",
    "\r",
    "\n",
    "\t",
    "\x7f",
    "[bold red]",
    "[/]",
    "[link=https://x]",
    "**",
    "_",
    "`",
    "# ",
    "- ",
    "> ",
    "[a](http://x)",
    "![i](x.png)",
    "<b>",
    "&amp;",
    "|",
    "👩\u200d💻",
    "é",
    "中文",
    "🚀",
    "\U000e0041",
]
hostile = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(min_size=1, max_size=8)),
    min_size=1,
    max_size=12,
).map("".join)

#: Colour and style sequences that Rich itself writes (SGR), the only ones allowed out.
SGR = re.compile(r"\x1b\[[0-9;]*m")


def allowed(char: str, before: str, after: str) -> bool:
    if char == "\u200d":  # the joiner survives only inside emoji sequences
        return bool(before) and bool(after)
    return unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Cn")


def assert_clean(text: str) -> None:
    assert "\x1b" not in text and "\x9b" not in text
    for i, char in enumerate(text):
        assert allowed(char, text[i - 1 : i], text[i + 1 : i + 2]), repr(char)


def printed(renderable: Any) -> str:
    """What a colour terminal receives for ``renderable``, with Rich's own SGR removed."""
    buffer = io.StringIO()
    Console(
        file=buffer,
        force_terminal=True,
        color_system="truecolor",
        width=2000,
        markup=False,
        emoji=False,
        highlight=False,
    ).print(renderable)
    return SGR.sub("", buffer.getvalue())


@settings(max_examples=300, deadline=None)
@given(hostile)
def test_cleaned_text_holds_no_control_sequence(raw: str) -> None:
    """Stored text never holds an escape, control, bidi or stray zero-width character."""
    cleaned = clean_text(raw)
    assert_clean(cleaned)
    assert clean_text(cleaned) == cleaned


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u3000", "a", "é", "?"])
        | st.characters(codec="utf-8"),
        max_size=30,
    ).map("".join)
)
def test_every_run_of_whitespace_becomes_one_space(raw: str) -> None:
    """A question typed with tabs, newlines or odd spaces is stored with single spaces."""
    cleaned = clean_text(raw)
    assert not re.search(r"\s\s|[^\S ]", cleaned)
    if raw.isprintable():  # nothing to drop: only the spacing may change
        expected = unicodedata.normalize("NFC", re.sub(r"\s+", " ", raw)).strip()
        assert cleaned == expected


@settings(max_examples=200, deadline=None)
@given(hostile)
def test_attendee_client_prints_question_text_literally(raw: str) -> None:
    """fireside-ask prints the cleaned characters, markup and all, and no other escape."""
    question = {"id": 7, "text": raw, "state": "approved", "votes": 2, "name": raw}
    for renderable in (render.question_line(question), render.on_air_line(question)):
        assert isinstance(renderable, Text)
        assert clean_text(raw) in renderable.plain
        out = printed(renderable)
        assert "\x1b" not in out and "\x9b" not in out
        assert clean_text(raw) in out


@settings(max_examples=200, deadline=None)
@given(hostile)
def test_dashboard_cells_and_cards_are_literal_text(raw: str) -> None:
    """The dashboard's rows, preview and on-air card hold the cleaned text as plain Text."""
    from fireside.dashboard.model import Model

    model = Model()
    model.apply(
        {
            "type": "welcome",
            "session": {"segments": []},
            "questions": [
                {
                    "id": 1,
                    "text": raw,
                    "state": "pending",
                    "votes": 0,
                    "pinned": False,
                    "topic": raw,
                    "created_at": 0.0,
                    "merged_into": None,
                    "name": raw,
                    "original_text": raw,
                    "edited": True,
                },
            ],
        }
    )
    question = model.questions[1]
    assert question["text"] == clean_text(raw)
    table = QuestionTable(id="inbox")
    cells = table._cells(question)
    assert all(isinstance(cell, Text) for cell in cells)
    if clean_text(raw):
        assert any(cell.plain.startswith(clean_text(raw)) for cell in cells)
    for cell in cells:
        out = printed(cell)
        assert "\x1b" not in out and "\x9b" not in out


@settings(max_examples=100, deadline=None)
@given(hostile)
def test_on_air_card_shows_the_text_literally(raw: str) -> None:
    """The on-air card draws Text built from the cleaned characters, never markup."""
    from fireside.dashboard.widgets import on_air_text

    content = on_air_text({"id": 3, "text": clean_text(raw), "votes": 1})
    assert isinstance(content, Text)
    assert content.plain == clean_text(raw)
    out = printed(content)
    assert "\x1b" not in out and clean_text(raw) in out
