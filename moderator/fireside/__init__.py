"""Fireside: audience questions, moderation and the segment clock for live talks."""

__version__ = "0.1.0"
