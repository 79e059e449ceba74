"""Sliding-window accounting for the rate limiter (pure, shared, thread-safe)."""

from __future__ import annotations

import threading
from collections import deque

__all__ = ["SlidingWindow"]


class SlidingWindow:
    """At most ``limit`` acquisitions in any ``window`` seconds.

    ``try_acquire(now)`` takes a slot and returns 0.0, or returns how long to wait
    before a slot frees. ``block_until(t)`` makes every caller wait until ``t`` (the
    group cool-down after a 429).
    """

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._stamps: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = threading.Lock()

    def try_acquire(self, now: float) -> float:
        with self._lock:
            if now < self._blocked_until:
                return self._blocked_until - now
            stamps = self._stamps
            horizon = now - self.window
            while stamps and stamps[0] <= horizon:
                stamps.popleft()
            if len(stamps) < self.limit:
                stamps.append(now)
                return 0.0
            return stamps[0] - horizon

    def block_until(self, until: float) -> None:
        with self._lock:
            self._blocked_until = max(self._blocked_until, until)

    def remaining(self, now: float) -> int:
        with self._lock:
            horizon = now - self.window
            used = sum(1 for t in self._stamps if t > horizon)
            return max(0, self.limit - used)

    def reset_time(self, now: float) -> float:
        """Seconds until the next slot frees (0.0 if one is free now)."""
        with self._lock:
            horizon = now - self.window
            live = [t for t in self._stamps if t > horizon]
            if len(live) < self.limit and now >= self._blocked_until:
                return 0.0
            wait = live[0] - horizon if len(live) >= self.limit else 0.0
            return max(wait, self._blocked_until - now)
