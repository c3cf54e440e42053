"""Rate limits per API key: a token bucket per authenticated key, and per address for failures.

A key may send ``per_minute`` requests a minute on average, in bursts of up to
a sixth of that; beyond it the API answers ``429 Too Many Requests`` with
``Retry-After`` (whole seconds until a request would be accepted). Requests
whose key does not authenticate are counted per client address in a smaller
bucket, which slows anyone guessing keys without letting them spend a real
key's budget (the bucket of a key is only touched once its secret matched).

The buckets live in the server process: with several processes each enforces
the limit on its own share of the traffic (documented in docs/api.md).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from trustreach.core import TrustreachError

_MAX_BUCKETS = 50_000
"""Buckets kept at most; full ones (nothing spent) are dropped first when over."""


class RateLimited(TrustreachError):
    """Too many requests from one key or address; ``retry_after`` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many requests: try again in {retry_after} s "
            "(see Retry-After; the limits are documented in docs/api.md)"
        )
        self.retry_after = retry_after


class RateLimiter:
    """Token buckets by name: ``per_minute`` refill rate, ``burst`` capacity (0 turns it off).

    >>> limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: 0.0)
    >>> limiter.take("key:a"); limiter.take("key:a")
    >>> limiter.take("key:a")
    Traceback (most recent call last):
    ...
    trustreach.api._limits.RateLimited: too many requests: try again in 1 s ...
    """

    def __init__(
        self,
        *,
        per_minute: int,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1, per_minute // 6))
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, name: str) -> None:
        """Spend one request of ``name``'s bucket, or :class:`RateLimited`."""
        if self.rate <= 0:
            return
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(name, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.rate)
            if tokens < 1.0:
                self._buckets[name] = (tokens, now)
                raise RateLimited(max(1, math.ceil((1.0 - tokens) / self.rate)))
            self._buckets[name] = (tokens - 1.0, now)
            if len(self._buckets) > _MAX_BUCKETS:
                self._prune(now)

    def _prune(self, now: float) -> None:
        for name, (tokens, at) in list(self._buckets.items()):
            if tokens + (now - at) * self.rate >= self.capacity:
                del self._buckets[name]
