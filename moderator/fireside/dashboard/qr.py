"""The attendee page's address as a QR code drawn with half blocks, to project."""

from __future__ import annotations

import segno
from rich.text import Text

# Two rows of modules per line of text: upper half, lower half, both, or neither.
_HALVES = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
# Dark modules on a light ground whatever the terminal's theme: scanners expect that.
_STYLE = "black on white"


def qr_text(data: str, border: int = 2) -> Text:
    """``data`` as a QR code, one module per column and two per line, with a quiet zone."""
    code = segno.make(data, error="m")
    rows = [[bool(module) for module in row] for row in code.matrix_iter(border=border)]
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    lines = [
        "".join(_HALVES[top, bottom] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(rows[::2], rows[1::2], strict=True)
    ]
    return Text("\n".join(lines), style=_STYLE, no_wrap=True)
