"""The single writer: funnels every database write through one thread, in group commits.

Requests queue their writes and wait. The writer takes everything queued, commits it in one
transaction on its own thread (so the event loop never waits on an fsync), then wakes each
waiter. A waiter that wakes up knows its writes are on disk, so it may acknowledge.
This is datasette's one-write-thread pattern with group commit on top.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .store import Store, Write

log = logging.getLogger(__name__)

MAX_BATCH = 2000


class Writer:
    """Commits queued writes in batches on a dedicated thread."""

    def __init__(self, store: Store, on_failure: Callable[[], None] | None = None) -> None:
        self.store = store
        self.on_failure = on_failure
        """Called after a failed commit, once everything queued behind it has failed too."""
        self._queue: asyncio.Queue[tuple[list[Write], asyncio.Future[None]] | None] = (
            asyncio.Queue()
        )
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fireside-writer")
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        """How many commits have run (for benchmarks and tests)."""

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="fireside-writer")

    async def write(self, writes: list[Write]) -> None:
        """Queue ``writes`` and return once they are committed; raise if the commit failed."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((writes, future))
        # Shield: a client that disconnects must not cancel a commit others wait on.
        await asyncio.shield(future)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            batch: list[tuple[list[Write], asyncio.Future[None]]] = []
            item = await self._queue.get()
            while True:
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
                if stopping or len(batch) >= MAX_BATCH or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            if not batch:
                continue
            writes = [w for ws, _ in batch for w in ws]
            try:
                await loop.run_in_executor(self._executor, self.store.commit, writes)
            except Exception as exc:
                # Everything queued was decided on state that now differs from the disk:
                # fail it all, then let the hub reload, so that memory matches the disk.
                log.exception("commit of %d writes failed", len(writes))
                while not self._queue.empty():
                    item = self._queue.get_nowait()
                    if item is None:
                        stopping = True
                    else:
                        batch.append(item)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if self.on_failure is not None:
                    self.on_failure()
            else:
                self.batches += 1
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)

    async def close(self) -> None:
        """Commit whatever is already queued, then stop the thread."""
        if self._task is not None and not self._task.done():
            self._queue.put_nowait(None)
            await self._task
        self._executor.shutdown(wait=True)
