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


class StaleWrite(RuntimeError):
    """A write decided on a room that was reloaded since: it must not reach the disk."""


_Item = tuple[list[Write], int, "asyncio.Future[None]"]


class Writer:
    """Commits queued writes in batches on a dedicated thread.

    Every write carries the *generation* of the room it was decided on. A failed commit
    fails everything queued and starts a new generation before the hub reloads its room,
    so a write decided on the discarded room can never commit, whenever it is queued.
    """

    def __init__(self, store: Store, on_failure: Callable[[], None] | None = None) -> None:
        self.store = store
        self.on_failure = on_failure
        """Called after a failed commit, once everything queued behind it has failed too."""
        self.generation = 0
        """The generation writes must carry to be committed; a failed commit bumps it."""
        self._queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fireside-writer")
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        """How many commits have run (for benchmarks and tests)."""

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="fireside-writer")

    def submit(self, writes: list[Write], generation: int) -> asyncio.Future[None]:
        """Queue ``writes`` now; the future resolves once they are committed.

        Synchronous on purpose: the caller decides and queues in the same step, so no
        failed commit can slip between the decision and its write.
        """
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if generation != self.generation:
            future.set_exception(StaleWrite("decided before the room was reloaded"))
        else:
            self._queue.put_nowait((writes, generation, future))
        # Nobody may be left waiting: a caller that went away must not log an error.
        future.add_done_callback(_retrieve)
        return future

    async def write(self, writes: list[Write]) -> None:
        """Queue ``writes`` that depend on no room state and return once committed."""
        # Shield: a client that disconnects must not cancel a commit others wait on.
        await asyncio.shield(self.submit(writes, self.generation))

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            batch: list[_Item] = []
            item = await self._queue.get()
            while True:
                if item is None:
                    stopping = True
                elif item[1] != self.generation:
                    item[2].set_exception(StaleWrite("decided before the room was reloaded"))
                else:
                    batch.append(item)
                if stopping or len(batch) >= MAX_BATCH or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            if not batch:
                continue
            writes = [w for ws, _, _ in batch for w in ws]
            try:
                await loop.run_in_executor(self._executor, self.store.commit, writes)
            except Exception as exc:
                # Everything queued was decided on state that now differs from the disk:
                # fail it all, start a new generation, then let the hub reload, so that
                # memory matches the disk and nothing decided before can still commit.
                log.exception("commit of %d writes failed", len(writes))
                while not self._queue.empty():
                    item = self._queue.get_nowait()
                    if item is None:
                        stopping = True
                    else:
                        batch.append(item)
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                self.generation += 1
                if self.on_failure is not None:
                    self.on_failure()
            else:
                self.batches += 1
                for _, _, future in batch:
                    if not future.done():
                        future.set_result(None)

    async def close(self) -> None:
        """Commit whatever is already queued, then stop the thread."""
        if self._task is not None and not self._task.done():
            self._queue.put_nowait(None)
            await self._task
        self._executor.shutdown(wait=True)


def _retrieve(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()
