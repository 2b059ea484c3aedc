"""The dashboard's and the stage's colours: one high-contrast theme for projectors."""

from __future__ import annotations

from textual.theme import Theme

HIGH_CONTRAST = Theme(
    name="fireside-contrast",
    primary="#FFD700",
    secondary="#00BFFF",
    accent="#FF8C00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1C1C1C",
    warning="#FFB000",
    error="#FF4040",
    success="#3CFF3C",
    dark=True,
)
