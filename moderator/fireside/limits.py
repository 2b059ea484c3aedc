"""Rate limits as token buckets, with an injected clock so tests never sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)  # one or two per connection and per client: no __dict__ each
class Bucket:
    """Allows ``capacity`` events at once, refilled at ``capacity`` per ``period`` seconds."""

    capacity: float
    period: float
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = self.capacity
        self.stamp = self.clock()

    def _refill(self) -> None:
        now = self.clock()
        rate = self.capacity / self.period
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * rate)
        self.stamp = now

    def take(self) -> bool:
        """Spend one token if there is one; ``False`` means over the limit."""
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def retry_after(self) -> float:
        """Seconds until the next token."""
        self._refill()
        return max(0.0, (1 - self.tokens) * self.period / self.capacity)

    @property
    def available(self) -> float:
        """Tokens left now."""
        self._refill()
        return self.tokens
