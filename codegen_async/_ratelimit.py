"""Client-side rate limiting: one limiter per endpoint group, plus an optional overall cap."""

from __future__ import annotations

from ._backend import AsyncLeakyBucket, monotonic, sleep
from ._window import SlidingWindow
from .config import RATE_LIMIT_GROUPS, CodegenConfig

__all__ = ["AsyncRateLimiter"]


class AsyncRateLimiter:
    """Paces requests so that a client alone on its token never collects a 429."""

    def __init__(self, config: CodegenConfig) -> None:
        self._strategy = config.rate_limit_strategy
        self._windows = {g: SlidingWindow(*config.limit_for(g)) for g in RATE_LIMIT_GROUPS}
        self._overall: SlidingWindow | None = None
        if config.rate_limit_requests is not None and config.rate_limit_window is not None:
            self._overall = SlidingWindow(config.rate_limit_requests, config.rate_limit_window)
        self._buckets: dict[str, AsyncLeakyBucket] = {}
        if self._strategy == "leaky_bucket":
            self._buckets = {g: AsyncLeakyBucket(*config.limit_for(g)) for g in RATE_LIMIT_GROUPS}
        self.time_waiting = 0.0

    async def acquire(self, group: str) -> None:
        """Wait until a request of ``group`` may be sent, and take its slot."""
        if self._strategy == "none":
            return
        if self._overall is not None:
            await self._wait(self._overall)
        if self._strategy == "leaky_bucket":
            window = self._windows[group]
            wait = window.try_acquire(monotonic()) if window._blocked_until else 0.0
            if wait > 0:
                await self._wait(window)
            started = monotonic()
            await self._buckets[group].acquire()
            self.time_waiting += monotonic() - started
            return
        await self._wait(self._windows[group])

    async def _wait(self, window: SlidingWindow) -> None:
        started = 0.0
        while True:
            wait = window.try_acquire(monotonic())
            if wait <= 0:
                break
            if not started:
                started = monotonic()
            await sleep(wait)
        if started:
            self.time_waiting += monotonic() - started

    def penalize(self, group: str, retry_after: float | None) -> None:
        """After a 429: the whole group waits (``Retry-After`` if known, else a window)."""
        if self._strategy == "none":
            return
        window = self._windows[group]
        delay = retry_after if retry_after is not None else window.window / max(window.limit, 1)
        window.block_until(monotonic() + delay)
