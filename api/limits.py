"""Per-caller rate limits: a token bucket per API key (or per client address before authentication)."""

from __future__ import annotations

import math
import threading
import time


class RateLimited(Exception):
    """Too many requests; ``retry_after`` whole seconds until one more is allowed."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limit exceeded; retry after {retry_after} s")
        self.retry_after = retry_after


class RateLimiter:
    """``rate`` requests per second on average, bursts up to ``burst``; ``rate`` 0 turns it off.

    Buckets live in the worker process: with N workers a caller may reach up to N times the rate.
    """

    MAX_BUCKETS = 100_000

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, max(1, burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, caller: str) -> None:
        """Spend one request of ``caller``'s budget, or raise RateLimited."""
        if self.rate <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(caller, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[caller] = (tokens, now)
                raise RateLimited(max(1, math.ceil((1.0 - tokens) / self.rate)))
            if len(self._buckets) >= self.MAX_BUCKETS and caller not in self._buckets:
                self._buckets.clear()  # full buckets again for everyone: generous, never unbounded memory
            self._buckets[caller] = (tokens - 1.0, now)
