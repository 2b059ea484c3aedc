"""Headless Chromium for the attendee page's tests: the system's browser, driven by Playwright.

Playwright's own browser download is not available here (and not wanted): the tests use
Debian's ``chromium`` package. Without it they skip with one line saying how to get it,
except under CI (``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("FIRESIDE_CHROMIUM", "/usr/bin/chromium"))
INSTALL_HINT = "no Chromium at /usr/bin/chromium: install it with `apt-get install chromium`"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> Path:
    """The browser's path; skip (fail under CI) when it is not installed."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs the browser tests: {INSTALL_HINT}")
    pytest.skip(INSTALL_HINT)
