"""Make text from strangers inert: no escape sequence, control or bidi character survives.

The hub cleans every question and name on input, and every client cleans again before it
shows anything (a hub could be hostile too). Rich and Textual remove only a few control
characters, so OSC title changes, screen clears, OSC 8 links, C1 bytes and Trojan Source
bidi overrides would otherwise reach the terminal.

Cleaning removes whole escape sequences, including their payload (the ``owned`` in
``ESC ] 0 ; owned BEL``), then every remaining character in the Unicode categories Cc
(controls), Cf (format: bidi overrides, zero-width spaces, tag characters), Cs and Cn.
The zero-width joiner survives only inside emoji sequences such as 👩‍💻. Line breaks
and tabs become spaces, runs of white space collapse to one, and the result is NFC.
"""

from __future__ import annotations

import re
import unicodedata

# Whole sequences first, so their payload goes with them. Unterminated string sequences
# (OSC, DCS, SOS, PM, APC) run to the end of the text, as a terminal would read them.
_SEQUENCES = re.compile(
    r"""
      (?:\x1b\]|\x9d)   [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c|$)      # OSC
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]) [^\x1b\x9c]* (?:\x1b\\|\x9c|$)  # DCS SOS PM APC
    | (?:\x1b\[|\x9b)   [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?       # CSI
    | \x1b [\x20-\x2f]* [\x30-\x7e]?                                # other ESC sequences
    """,
    re.VERBOSE,
)
_SPACES = re.compile(r"\s+")
# The only printable whitespace is U+0020 (checked over every code point), so text that
# passes ``isprintable()`` only needs its runs of spaces collapsed: half the work of ``\s+``.
_SPACE_RUNS = re.compile(r" {2,}")
_ZWJ = "\u200d"
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn"})


def _is_pictographic(char: str) -> bool:
    # Good enough for emoji ZWJ sequences: symbols and the supplementary pictographs.
    return unicodedata.category(char) in ("So", "Sk") or ord(char) >= 0x1F000


def clean_text(text: str) -> str:
    """Return ``text`` made safe to store and to print on a terminal, trimmed and NFC."""
    if text.isprintable():
        # Fast path (C speed): no control, format, surrogate, unassigned or separator
        # character at all, so there is nothing to remove, only spaces to normalise.
        return unicodedata.normalize("NFC", _SPACE_RUNS.sub(" ", text)).strip()
    text = _SEQUENCES.sub("", text)
    # First drop what never survives, so that a joiner is judged by its real neighbours.
    kept: list[str] = []
    for char in text:
        if char in "\t\n\r\v\f\u2028\u2029\x85":
            kept.append(" ")
        elif char == _ZWJ or unicodedata.category(char) not in _DROPPED_CATEGORIES:
            kept.append(char)
    joined = [
        char
        for index, char in enumerate(kept)
        if char != _ZWJ
        or (
            0 < index < len(kept) - 1
            and _is_pictographic(kept[index - 1])
            and _is_pictographic(kept[index + 1])
        )
    ]
    return unicodedata.normalize("NFC", _SPACES.sub(" ", "".join(joined))).strip()


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 vote``, ``2 votes``; ``words`` for irregular plurals (``person``, ``people``).

    One helper for every place that counts things for people: the client, the hub's
    messages, the dashboard and the export.
    """
    return f"{count} {word if count == 1 else words or word + 's'}"


def clean_name(name: str, limit: int = 40) -> str:
    """Clean a display name and cut it to ``limit`` characters."""
    return clean_text(name)[:limit].strip()
