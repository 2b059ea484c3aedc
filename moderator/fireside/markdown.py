"""Building blocks of the export: the one function that escapes user text, and formats.

Everything a user typed (questions, names, topics, and the agenda's own titles) goes
through ``escape_markdown`` before it is placed in the document, so that it renders as
exactly the characters typed, wherever it is put: a paragraph, a heading, a list item, a
table cell, or inside emphasis the caller writes around it. A backslash goes only where
CommonMark (or GitHub's additions to it) would otherwise read a character as syntax in
that position, so the raw file stays readable (``llama.cpp``, ``Shipping: Real-World``):

- Always: `` ` `` (code), ``*`` (emphasis), ``[`` (links, images, footnotes, task boxes;
  ``!``, ``]`` and ``(`` mean nothing without it), ``<`` (raw HTML, autolinks), ``|``
  (table cells), ``~`` (strikethrough, fences) and ``$`` (GitHub's math).
- ``_`` unless it sits between two letters or digits, where CommonMark never reads it as
  emphasis (``snake_case`` stays as typed).
- ``\\`` only before ASCII punctuation or at the very end (where the caller's next
  character may be punctuation); anywhere else CommonMark shows it as itself.
- ``&`` only where it starts something shaped like an entity (``&amp;``, ``&#64;``).
- At the start only, where they open a block: ``-``, ``+``, ``=``, ``>``, a ``#`` run that
  makes a heading, and the ``.`` or ``)`` after 1-9 digits (an ordered list). At the end
  only: a ``#`` run after a space, which a heading would drop as its closing sequence.
- Links that are not written as links: ``:`` before ``//`` and after ``mailto``/``xmpp``,
  and the ``.`` of a ``www.`` (GitHub's extended autolinks, which look at the raw
  characters); and the ``.``, ``:`` and ``@`` (and a leading ``/``) of anything the
  linkifier of markdown-it (the parser behind the dashboard's preview of the record) would
  link, such as ``example.com``. markdown-it links within runs of text between escapes, so
  each such run is checked again until none would be linked.
- GitHub links ``me@example.com`` even when every character is escaped (it looks at the
  text after escapes are resolved). A WORD JOINER (U+2060, invisible, zero width) goes
  between an address's local part and its ``@``, which is the one place cmark-gfm looks.
- Runs of white space become one space and the ends are trimmed, so no line break can
  leave a table row or list item, and no indentation can start a code block. ``NUL``
  becomes U+FFFD, as CommonMark says a reader must do anyway.

``tests/test_export.py`` checks these rules with hypothesis against markdown-it-py (with
and without linkify) and GitHub's own cmark-gfm, in every position the export uses.
"""

from __future__ import annotations

import bisect
import re
from datetime import datetime, timedelta, tzinfo

from linkify_it import LinkifyIt  # type: ignore[import-untyped]  # ships no types

WORD_JOINER = "\u2060"
"""Put before an ``@`` that GitHub would otherwise turn into a ``mailto:`` link."""

# Each alternative matches exactly the one character that needs a backslash there. The
# lookahead in front lets the regex engine skip the other characters five times faster.
_NEEDED = re.compile(
    r"(?=[`*\[<|~$\\_&+=>#:.-])(?:"
    r"[`*\[<|~$]"
    r"|\\(?=[!-/:-@\[-`{-~]|$)"
    r"|(?<![^\W_])_|_(?![^\W_])"
    r"|&(?=#?[0-9A-Za-z]+;)"
    r"|^[-+=>]"
    r"|^#(?=#{0,5}(?: |$))"
    r"|(?<= )#(?=#*$)"
    r"|:(?=//)"
    r"|(?i:(?<=mailto)|(?<=xmpp)):"
    r"|(?i:(?<![^\W_]www)(?<=www))\."
    r")"
)
_ORDERED_LIST = re.compile(r"\d{1,9}[.)]")
_MAIL_AT = re.compile(r"(?<=[A-Za-z0-9.+_-])@")
# Every link linkify finds has a dot before a label (domains), an @ (e-mail), a // or
# a mailto: (its schemes).
_MAY_LINK = re.compile(r"\.(?=\w)|@|//|(?i:mailto):")
_LINK_PUNCTUATION = re.compile(r"[.:@]|/(?=/)")
# Anything around a "//" or after "www.": marked whole, without asking linkify run by run.
_URL = re.compile(r"\S*//\S*|(?i:www)\.\S*")
_CANDIDATE = re.compile(r"[`*\[<|~$\\_&+=>#:.@/0-9-]")
_LINKIFY = LinkifyIt()
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
    if not _CANDIDATE.search(text):
        return text
    marks = {match.start() for match in _NEEDED.finditer(text)}
    if text[:1].isdigit() and (start := _ORDERED_LIST.match(text)) is not None:
        marks.add(start.end() - 1)
    if _MAY_LINK.search(text):
        for url in _URL.finditer(text):
            marks.update(_link_marks(url.group(), url.start()))
        _unlink(text, marks)
    chars = list(text)
    for index in marks:
        chars[index] = "\\" + chars[index]
    return "".join(chars)


def _unlink(text: str, marks: set[int]) -> None:
    """Mark what markdown-it's linkifier would link in a run of text between escapes."""
    while True:
        hints = [hint.start() for hint in _MAY_LINK.finditer(text) if hint.start() not in marks]
        bounds = sorted(marks)
        before = len(marks)
        tested = set()
        for hint in hints:
            after = bisect.bisect(bounds, hint)
            start = bounds[after - 1] + 1 if after else 0
            if start in tested:
                continue
            tested.add(start)
            run = text[start : bounds[after] if after < len(bounds) else len(text)]
            for link in _LINKIFY.match(run) or ():
                span = run[link.index : link.last_index]
                marks.update(_link_marks(span, start + link.index))
        if len(marks) == before:  # nothing left to link, or nothing more to escape
            return


def _link_marks(span: str, offset: int) -> list[int]:
    """Where a link-shaped ``span`` needs backslashes: its ``.``, ``:``, ``@`` and ``//``."""
    return [offset + match.start() for match in _LINK_PUNCTUATION.finditer(span)]


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
