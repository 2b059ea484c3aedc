"""Run a hub on its own thread and event loop, beside a UI that owns the main thread.

``fireside run`` uses this: the dashboard (Textual) runs on the main thread and talks to
the hub over loopback like any other client, while the hub keeps serving attendees even
if the UI is busy repainting. Tests and snapshot runs use it the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any

from .dblock import StartError
from .hub import Hub, HubConfig

log = logging.getLogger(__name__)

Extra = Callable[[Hub], Coroutine[Any, Any, None]]


class HubThread:
    """A hub running in a background thread; ``start()`` returns once it listens."""

    def __init__(
        self,
        config: HubConfig,
        extra: Extra | None = None,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.clock = clock
        """The hub's wall clock (tests and snapshots pass a fixed one)."""
        self.monotonic = monotonic
        """The hub's monotonic clock, which times the segments (tests move it by hand)."""
        self.extra = extra
        """A coroutine run beside the hub on its loop (the ``--demo`` attendees)."""
        self.hub: Hub | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="fireside-hub", daemon=True)

    def start(self, timeout: float = 30.0) -> Hub:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the hub did not start in time")
        if self._error is not None:
            raise self._error
        assert self.hub is not None
        return self.hub

    def stop(self, timeout: float = 15.0) -> None:
        """Close the hub (connections get 1001) and wait for its thread to end."""
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)

    def __enter__(self) -> Hub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced to start() if it happens before ready
            self._error = exc
            self._ready.set()
            if not isinstance(exc, (KeyboardInterrupt, SystemExit, StartError)):
                log.exception("the hub thread failed")

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        hub = Hub(self.config, clock=self.clock, monotonic=self.monotonic)
        await hub.start()
        self.hub = hub
        extra = asyncio.create_task(self.extra(hub)) if self.extra else None
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            if extra is not None:
                extra.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await extra
            await hub.close()
