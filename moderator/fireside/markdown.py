"""Building blocks of the export: the one function that escapes user text, and formats.

Everything a user typed (questions, names, topics, and the agenda's own titles) goes
through ``escape_markdown`` before it is placed in the document, so that it renders as
exactly the characters typed, wherever it is put: a paragraph, a heading, a list item or a
table cell. The rules, and why each one is enough:

- ASCII punctuation gets a backslash. CommonMark allows that escape for every one of them
  and renders the character itself, so no emphasis, code span, link, image, raw HTML,
  entity (``&amp;`` stays literal), heading, list, quote, thematic break, fence or GitHub
  strikethrough or math can start. A GFM table splits cells on unescaped pipes only. To
  keep the raw file readable, ``, ; ? % / ' "`` are left alone (they mean nothing to
  CommonMark or GFM without the typographer) and so are ``-`` and ``+`` except at the
  start, the only place where they can open a list or a thematic break.
- ``http://x.y`` and ``www.x.y`` are not linked because their ``:`` and ``.`` are escaped:
  GitHub's extended autolinks and markdown-it's linkify both look at the raw characters.
- GitHub links ``me@example.com`` even when every character is escaped (it looks at the
  text after escapes are resolved). A WORD JOINER (U+2060, invisible, zero width) goes
  between an address's local part and its ``@``, which is the one place cmark-gfm looks.
- Runs of white space become one space and the ends are trimmed, so no line break can
  leave a table row or list item, and no indentation can start a code block. ``NUL``
  becomes U+FFFD, as CommonMark says a reader must do anyway.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

WORD_JOINER = "\u2060"
"""Put before an ``@`` that GitHub would otherwise turn into a ``mailto:`` link."""

# The backslash first, so that the backslashes added for the others are left alone.
_ALWAYS = "\\!#$&()*.:<=>@[]^_`{|}~"
_AT_START = ("-", "+")
_MAIL_AT = re.compile(r"(?<=[A-Za-z0-9.+_-])@")
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def normalize_text(text: str) -> str:
    """The text as it will read once rendered: one space between words, no NUL."""
    if "\0" in text:
        text = text.replace("\0", "\ufffd")
    return " ".join(text.split())


def escape_markdown(text: str) -> str:
    """Return ``text`` as CommonMark that renders as that literal text and nothing else.

    Safe in a paragraph, a heading, a list item, a table cell or inside emphasis that the
    caller writes around it. The only changes a reader can see are the white space
    normalisation (``normalize_text``) and the invisible joiner before an address's ``@``.
    """
    text = normalize_text(text)
    if "@" in text:
        text = _MAIL_AT.sub(WORD_JOINER + "@", text)
    for char in _ALWAYS:
        # One C-speed scan per character beats str.translate and re.sub here.
        if char in text:
            text = text.replace(char, "\\" + char)
    return "\\" + text if text.startswith(_AT_START) else text


def table_row(cells: list[str]) -> str:
    """One GFM table row; the cells must already be escaped."""
    return "| " + " | ".join(cells) + " |"


def duration(seconds: float) -> str:
    """``4:30``, ``1:05:00``: whole seconds, as a stage timer shows them."""
    total = int(round(abs(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"-{text}" if seconds < 0 and total else text


def over_under(seconds: float) -> str:
    """``+1:20`` over the plan, ``-0:45`` under it, ``0:00`` on time."""
    if int(round(abs(seconds))) == 0:
        return "0:00"
    return f"+{duration(seconds)}" if seconds > 0 else duration(seconds)


def zone_label(zone: tzinfo) -> str:
    """``UTC+02:00`` for a fixed offset, ``UTC`` for none."""
    offset = zone.utcoffset(None) or timedelta(0)
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def long_date(moment: datetime) -> str:
    """``Tuesday, 14 April 2026``."""
    # Not strftime("%A"): day and month names must not depend on the machine's locale.
    return f"{_WEEKDAYS[moment.weekday()]}, {moment.day} {_MONTHS[moment.month - 1]} {moment.year}"
