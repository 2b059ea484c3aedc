"""The attendee page's address as a QR code drawn with half blocks, to project."""

from __future__ import annotations

from rich.text import Text

# Two rows of modules per line of text: upper half, lower half, both, or neither.
_HALVES = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
# Dark modules on a light ground whatever the terminal's theme: scanners expect that.
_STYLE = "black on white"


def qr_modules(data: str, border: int = 2) -> list[list[bool]]:
    """``data``'s QR code as rows of modules (``True`` is dark), quiet zone included."""
    import segno  # only when the code is shown: no import on the dashboard's way to open

    code = segno.make(data, error="m")
    return [[bool(module) for module in row] for row in code.matrix_iter(border=border)]


def qr_text(data: str, border: int = 2, scale: int = 1) -> Text:
    """``data`` as a QR code with a quiet zone, at ``scale`` 1 or 2.

    Scale 1 puts one module per column and two per line (half blocks): the smallest
    drawing a phone still reads. Scale 2 puts each module on two columns of one line, twice
    as large on a projector; a terminal cell is about twice as tall as wide, so both are
    square.
    """
    rows = qr_modules(data, border)
    if scale == 2:
        lines = ["".join("██" if dark else "  " for dark in row) for row in rows]
        return Text("\n".join(lines), style=_STYLE, no_wrap=True)
    if len(rows) % 2:
        rows.append([False] * len(rows[0]))
    lines = [
        "".join(_HALVES[top, bottom] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(rows[::2], rows[1::2], strict=True)
    ]
    return Text("\n".join(lines), style=_STYLE, no_wrap=True)
