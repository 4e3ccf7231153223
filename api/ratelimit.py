"""Per-key rate limits: a token bucket per key id, in this process's memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable


class RateLimiter:
    """`rate_per_minute` sustained, `burst` at once; keys in `exempt` are never limited."""

    def __init__(self, rate_per_minute: int, burst: int, exempt: Iterable[str] = (),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate_per_minute / 60.0
        self._burst = float(burst)
        self._exempt = frozenset(exempt)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key_id: str) -> float | None:
        """None when the request may go ahead, else the seconds to wait before retrying."""
        if key_id in self._exempt:
            return None
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (self._burst, now))
            tokens = min(self._burst, tokens + (now - last) * self._rate)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return None
            self._buckets[key_id] = (tokens, now)
            return (1.0 - tokens) / self._rate
