"""The documented rate limits, per token and endpoint group, as sliding windows."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping

from ._clock import Clock

__all__ = ["LIMITS", "RateLimiter"]

LIMITS: Mapping[str, tuple[int, float]] = {
    "standard": (60, 30.0),
    "create_run": (10, 60.0),
    "setup_commands": (5, 60.0),
    "analyze_logs": (5, 60.0),
    "pr_edit": (30, 60.0),
    "cli_rules": (30, 60.0),
    "logs": (60, 60.0),
}
"""Group -> (requests, window in emulated seconds), as the API documents them."""


class RateLimiter:
    """Sliding-window limiter: at most N requests in any window of W emulated seconds.

    Windows run on the emulated clock, so ``time_scale`` shrinks them with run durations.
    Rejected requests do not count against the window.

    Args:
        clock: The emulated clock.
        scale: Multiplier of the documented request counts; ``None`` turns limits off.
    """

    def __init__(self, clock: Clock, scale: float | None = 1.0) -> None:
        self._clock = clock
        self.enabled = scale is not None
        self._limits = {
            group: (max(1, math.floor(count * (scale or 1.0))), window)
            for group, (count, window) in LIMITS.items()
        }
        self._windows: dict[tuple[str, str], deque[float]] = {}

    def limit(self, group: str) -> tuple[int, float]:
        """(requests, emulated window seconds) of a group, after scaling."""
        return self._limits[group]

    def hit(self, token: str, group: str) -> float | None:
        """Count a request; return ``None`` if allowed, else the emulated seconds to wait."""
        count, window = self._limits[group]
        key = (token, group)
        stamps = self._windows.get(key)
        if stamps is None:
            stamps = self._windows[key] = deque()
        now = self._clock.now()
        horizon = now - window
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        if len(stamps) >= count:
            return stamps[0] - horizon
        stamps.append(now)
        return None

    def reset(self) -> None:
        """Forget every window."""
        self._windows.clear()
