"""Keep the cyclic garbage collector from pausing the hub while a room fills.

CPython's oldest generation is collected whenever it has grown by a quarter, and each such
collection walks every tracked object: with thousands of connections (each a few hundred
objects: the connection, its protocol, transport, tasks and buffers) one walk held the
event loop for 100-450 ms, several times while a room filled, and every ask waited
behind it. Objects that live as long as their connection gain nothing from being walked
again and again, so the hub moves them out of the collector's sight (``gc.freeze``) each
time the room has grown by ``step`` connections, after a young collection so that fresh
garbage is not frozen with them. When the room has emptied to half of what was frozen,
everything is handed back to the collector (``gc.unfreeze``) so that what the departed
connections left in cycles is reclaimed then, at a quiet moment, not leaked.

While a room is frozen, the youngest generation is also collected after ``young``
allocations rather than CPython's 700: in a steady room of 5,000 (100 asks/s, hints) the
hub made about 5 young collections a second and 0.4 of the middle one, each 2-16 ms, and
they run inside whatever allocated last, usually an ask: they were most of the ask→ack p99.
At 7,000 there are 0.3 a second, none of the middle generation, each 7-22 ms: fewer asks
wait for one (docs/performance.md, issue 17).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 7000
"""Allocations between young collections while a room is frozen (CPython's default: 700)."""


class GcFreezer:
    """Freezes long-lived objects as connections accumulate; thaws when they are gone."""

    def __init__(self, step: int, young: int = YOUNG_THRESHOLD) -> None:
        self.step = step
        """Connections added since the last freeze that trigger the next one (0: never)."""
        self.young = young
        """The youngest generation's threshold while something is frozen."""
        self._usual: tuple[int, int, int] | None = None
        """The collector's thresholds before the first freeze, restored at the thaw."""
        self.frozen_at = 0
        """Connections open at the last freeze (0: nothing frozen by us)."""

    def observe(self, connections: int) -> None:
        """Called every tick with the number of open connections."""
        if self.step <= 0:
            return
        if connections >= self.frozen_at + self.step:
            gc.collect(1)  # young garbage out first: frozen objects are never collected
            gc.freeze()
            self.frozen_at = connections
            if self._usual is None:
                self._usual = gc.get_threshold()
                gc.set_threshold(self.young, *self._usual[1:])
        elif self.frozen_at and connections <= self.frozen_at // 2:
            gc.unfreeze()
            self.frozen_at = 0
            if self._usual is not None:
                gc.set_threshold(*self._usual)
                self._usual = None
