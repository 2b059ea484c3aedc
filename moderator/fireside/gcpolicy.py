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
"""

from __future__ import annotations

import gc


class GcFreezer:
    """Freezes long-lived objects as connections accumulate; thaws when they are gone."""

    def __init__(self, step: int) -> None:
        self.step = step
        """Connections added since the last freeze that trigger the next one (0: never)."""
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
        elif self.frozen_at and connections <= self.frozen_at // 2:
            gc.unfreeze()
            self.frozen_at = 0
