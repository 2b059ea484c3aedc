"""The moderator's dashboard: a keyboard-first Textual app on the hub's moderator role.

The app owns the link to the hub and the model; ``DashboardScreen`` (``view.py`` and
``screen.py``) owns the widgets and the keys; ``bindings.py`` the keys' table;
``record.py`` the session's record; ``theme.py`` the colours.
"""

from __future__ import annotations

import gc
import ssl
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen

from fireside_ask import protocol as p

from . import record
from .bindings import KEYS
from .link import HubLink
from .messages import HubMessage, LinkStatus
from .model import Model
from .screen import DashboardScreen
from .screens import TokenPromptScreen
from .settings import DashboardSettings
from .theme import HIGH_CONTRAST

__all__ = ["DashboardApp", "DashboardScreen", "DashboardSettings", "make_app"]


class DashboardApp(App[None]):
    """The moderator's dashboard on one hub."""

    CSS_PATH = "app.tcss"
    TITLE = "Fireside"

    def __init__(
        self,
        url: str,
        token: str | None,
        settings: DashboardSettings | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__()
        self.url = url
        self.settings = settings or DashboardSettings()
        self.record_written: Path | None = None
        """The last record written, so the command can say where it went after quitting."""
        self.model = Model(monotonic=monotonic)
        self.link = HubLink(
            url,
            role=p.MODERATOR,
            token=token,
            on_message=lambda message: self.post_message(HubMessage(message)),
            on_status=lambda status, detail: self.post_message(LinkStatus(status, detail)),
            ssl_context=ssl_context,
        )
        self.register_theme(HIGH_CONTRAST)
        self.theme = "fireside-contrast"

    def record_path(self, reply: dict[str, Any]) -> Path:
        """Where the record of ``reply`` goes (see ``record.record_path``)."""
        return record.record_path(reply, self.model, self.settings.record_dir)

    async def write_record(self) -> Path | None:
        """Ask the hub for the record and write it; remember where it went."""
        directory = self.settings.record_dir
        path = await record.write_record(self.link, self.model, directory, self.notify)
        if path is not None:
            self.record_written = path
        return path

    def get_default_screen(self) -> Screen[Any]:
        return DashboardScreen(self.model)

    def on_mount(self) -> None:
        # Opening a session of 5,000 questions makes enough long-lived objects to set off
        # full collections, each walking every object of the process: the imported
        # modules (about 100,000 objects before the first question) and, under fireside
        # run, the hub's room; two such walks were a third of opening. What exists now
        # lives as long as the dashboard: out of the collector's walks until it quits
        # (after a young collection, so that little fresh garbage is frozen with it).
        gc.collect(1)
        gc.freeze()
        self.run_worker(self.link.run(), name="hub-link", group="connect", exclusive=True)

    def on_unmount(self) -> None:
        # Handed back when the dashboard quits, so that what it kept alive and is garbage
        # now (tests and benchmarks open many in one process) is collected, not leaked.
        # The hub's GcFreezer may also thaw everything earlier: harmless.
        gc.unfreeze()

    @property
    def dashboard(self) -> DashboardScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, DashboardScreen)
        return screen

    def on_hub_message(self, message: HubMessage) -> None:
        payload = message.payload
        if payload["type"] == "limit":
            # A whole network hitting a per-address limit: the moderator decides whether to
            # raise it (--new-clients-per-minute, --questions-per-address-per-minute).
            self.notify(
                payload["message"], title="Limit reached", severity="warning", markup=False
            )
            return
        if self.model.apply(payload):
            self.dashboard.schedule_refresh()

    def on_link_status(self, message: LinkStatus) -> None:
        dashboard = self.dashboard
        previous, dashboard.status = dashboard.status, message.status
        if message.status == "offline" and previous == "online":
            self.notify(
                "Lost the hub; reconnecting. Everything stays on screen.",
                title="Offline",
                severity="warning",
                timeout=5,
            )
        elif message.status == "online" and previous == "offline":
            self.notify("Reconnected to the hub.", timeout=3)
        elif message.status == "refused" and self.link.refusal in (p.BAD_TOKEN, p.RATE_LIMITED):
            self.push_screen(TokenPromptScreen(message.detail), self._retry_token)
        elif message.status == "refused":
            self.notify(
                message.detail,
                title="Refused by the hub",
                severity="error",
                timeout=30,
                markup=False,
            )
        dashboard.schedule_refresh()

    def _retry_token(self, token: str | None) -> None:
        """Connect again with the token typed at the prompt, or quit if there is none."""
        if token is None:
            self.exit(
                return_code=1,
                message="fireside: the hub refused the moderator token; nothing was changed.",
            )
            return
        self.link.token = token
        self.link.refusal = ""
        self.run_worker(self.link.run(), name="hub-link", group="connect", exclusive=True)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        dashboard = self.dashboard
        for binding in KEYS:
            action = binding.action
            yield SystemCommand(
                f"{binding.description} ({binding.key_display or binding.key})",
                binding.tooltip,
                lambda action=action: self.call_later(dashboard.run_action, action),
            )


def make_app(
    url: str,
    token: str | None,
    *,
    monotonic: Callable[[], float] = time.monotonic,
    ssl_context: ssl.SSLContext | None = None,
    **settings: Any,
) -> DashboardApp:
    """Build the dashboard (used by ``fireside run``, ``fireside dashboard`` and tests).

    ``settings`` are ``DashboardSettings``' fields (``join_command=``, ``record_dir=``...).
    """
    return DashboardApp(
        url, token, DashboardSettings(**settings), monotonic=monotonic, ssl_context=ssl_context
    )
