"""Client-side rate limiting: one limiter per endpoint group, plus an optional overall cap.

Every strategy but ``"none"`` keeps a :class:`~._window.SlidingWindow` per group (and one
for the overall cap); that window is the guarantee that a client alone on its token never
sends more than the server allows. ``"leaky_bucket"`` adds aiolimiter's bucket in front
of it to smooth the rate; adaptive mode lowers a group's window after 429s.

The transport calls :meth:`acquire` before each HTTP attempt (so a waiting task holds no
pooled connection), :meth:`release` after it, and :meth:`penalize` after a 429. They are
awaitable so that a shared limiter (``_redis_limiter``) can offer the same interface.
"""

from __future__ import annotations

import math
import threading
import time

from .._http._backend import IS_ASYNC, AsyncLeakyBucket, monotonic, sleep
from ..config import RATE_LIMIT_GROUPS, CodegenConfig
from ._status import GroupLimitStatus, RateLimitStatus
from ._window import AdaptiveLimit, SlidingWindow, acquire_all

__all__ = ["AsyncRateLimiter", "SlotUnavailable"]


class SlotUnavailable(Exception):
    """No slot frees within the caller's budget; ``wait`` is the estimated time it needs."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


def _bucket(limit: int, window: float) -> AsyncLeakyBucket:
    # A bucket one request deep would lose every bit of timer lateness (the level cannot
    # drain below zero), costing ~10% of the rate at millisecond spacings. A depth of a
    # tenth of the limit (at least 2) absorbs it; the window behind it caps any burst.
    depth = max(1, min(limit, max(2, limit // 10)))
    return AsyncLeakyBucket(depth, window * depth / limit)


class AsyncRateLimiter:
    """Paces requests so that a client alone on its token never collects a 429."""

    def __init__(self, config: CodegenConfig) -> None:
        self.strategy = config.rate_limit_strategy
        self._off = self.strategy == "none"
        self._leaky = self.strategy == "leaky_bucket"
        self.adaptive = config.adaptive_rate_limit and not self._off
        limits = {g: config.limit_for(g) for g in RATE_LIMIT_GROUPS}
        # One lock for every window: a request takes (and gives back) its group's slot
        # and the overall cap's under a single acquisition.
        self._lock = lock = threading.Lock()
        # The fast paths skip it in an async client, whose limiter lives on its event
        # loop's thread alone; the sync client's threads share theirs.
        self._fast_lock = None if IS_ASYNC else lock
        self._windows = {
            g: SlidingWindow(n, w, smooth=self.adaptive, lock=lock) for g, (n, w) in limits.items()
        }
        self.overall: SlidingWindow | None = None
        if config.rate_limit_requests is not None and config.rate_limit_window is not None:
            self.overall = SlidingWindow(
                config.rate_limit_requests, config.rate_limit_window, lock=lock
            )
        # Tuples built once: the hot path allocates nothing.
        self._sets = {
            g: (w,) if self.overall is None else (w, self.overall) for g, w in self._windows.items()
        }
        self._pairs = {g: (w, self.overall) for g, w in self._windows.items()}
        self._learn = {g: AdaptiveLimit(n) for g, (n, _) in limits.items()}
        self._buckets: dict[str, AsyncLeakyBucket] = {}
        self._overall_bucket: AsyncLeakyBucket | None = None
        if self._leaky:
            self._buckets = {g: _bucket(n, w) for g, (n, w) in limits.items()}
            if self.overall is not None:
                self._overall_bucket = _bucket(self.overall.limit, self.overall.window)

    @property
    def time_waiting(self) -> float:
        """Seconds spent waiting for a slot since the client was made, over all groups."""
        return sum(w.waited for w in self._windows.values())

    def take_now(self, group: str) -> bool:
        """Take the slot(s) of ``group`` if free right now, without waiting (the fast path).

        False means: call :meth:`acquire`, which waits.
        """
        if self._off:
            return True
        if self._leaky:
            return False
        w, overall = self._pairs[group]
        lock = self._fast_lock
        if lock is not None:
            lock.acquire()  # not `with`: half the cost, on the path of every request
        try:
            if w.take_free(overall):
                return True
        finally:
            if lock is not None:
                lock.release()
        # The slow path (a window near full, blocked or smooth) is acquire_all's.
        return acquire_all(self._sets[group], monotonic(), self._lock) == 0.0

    def release_now(self, group: str, ok: bool, now: float) -> bool:
        """:meth:`release` without a coroutine (in memory it never waits); True when done.

        ``now`` is when the attempt finished (see :meth:`SlidingWindow.release_held`).
        """
        if self._off:
            return True
        lock = self._fast_lock
        if lock is not None:
            lock.acquire()  # not `with`: see take_now
        try:
            for w in self._sets[group]:
                w.release_held(now)
        finally:
            if lock is not None:
                lock.release()
        if self.adaptive and ok:
            learn = self._learn[group]
            if learn.limit < learn.configured:
                before = learn.limit
                if learn.on_success(now, self._windows[group].window) != before:
                    self._set_limit(group, learn.limit)
        return True

    async def acquire(self, group: str, max_wait: float = math.inf) -> float:
        """Wait until a request of ``group`` may be sent and take its slot(s).

        Returns the seconds waited. Every call must be paired with :meth:`release`.
        Raises :class:`SlotUnavailable`, taking nothing, when no slot frees within
        ``max_wait`` seconds (a call never waits for a slot longer than its timeout).
        """
        if self._off:
            return 0.0
        windows = self._sets[group]
        started = monotonic()
        if self._leaky:
            if not await self._buckets[group].acquire(max_wait):
                raise SlotUnavailable(max_wait)
            if self._overall_bucket is not None and not await self._overall_bucket.acquire(
                max_wait - (monotonic() - started)
            ):
                raise SlotUnavailable(max_wait)
            wait = acquire_all(windows, monotonic(), self._lock)
        else:
            wait = acquire_all(windows, started, self._lock)
            if wait == 0.0:
                return 0.0
        while wait > 0.0:
            if monotonic() - started + wait > max_wait:
                raise SlotUnavailable(wait)
            await sleep(wait)
            wait = acquire_all(windows, monotonic(), self._lock)
        waited = monotonic() - started
        windows[0].note_wait(waited)
        return waited

    async def release(self, group: str, ok: bool) -> None:
        """The attempt that took a slot of ``group`` finished (``ok``: a 2xx answer)."""
        self.release_now(group, ok, monotonic())

    async def penalize(self, group: str, retry_after: float | None, sent_at: float) -> None:
        """After a 429 (the attempt released): the whole group waits, for ``Retry-After``
        when the server sent one, else until its own window frees a slot."""
        window = self._windows[group]
        window.note_rate_limited()
        if self._off:
            return
        now = monotonic()
        if self.adaptive:
            held = window.used(now) - 1  # the refused request itself does not count
            learn = self._learn[group]
            before = learn.limit
            if learn.on_rate_limited(now, sent_at, held) != before:
                self._set_limit(group, learn.limit)
        delay = retry_after if retry_after is not None else window.cooldown(now)
        window.block_until(now + delay)

    async def aclose(self) -> None:
        """Nothing to close: the windows live in memory (the Redis limiter shares this API)."""

    def _set_limit(self, group: str, limit: int) -> None:
        window = self._windows[group]
        window.set_limit(limit)
        if self._leaky:
            self._buckets[group] = _bucket(limit, window.window)

    def status(self) -> RateLimitStatus:
        """A snapshot of every limiter (see ``get_rate_limit_status()``)."""
        now, wall = monotonic(), time.time()
        groups = {
            g: self._view(g, w, now=now, wall=wall, waited=w.waited, rate_limited=w.rate_limited)
            for g, w in self._windows.items()
        }
        overall = None
        if self.overall is not None:
            overall = self._view(
                "overall",
                self.overall,
                now=now,
                wall=wall,
                waited=self.time_waiting,
                rate_limited=sum(w.rate_limited for w in self._windows.values()),
            )
        return RateLimitStatus.summarize(
            strategy=self.strategy,
            adaptive=self.adaptive,
            groups=groups,
            overall=overall,
            time_waiting=self.time_waiting,
        )

    def _view(
        self,
        name: str,
        window: SlidingWindow,
        *,
        now: float,
        wall: float,
        waited: float,
        rate_limited: int,
    ) -> GroupLimitStatus:
        learn = self._learn.get(name)
        configured = learn.configured if learn is not None else window.limit
        if self._off:
            remaining, reset_in = window.limit, 0.0
        else:
            remaining, reset_in = window.remaining(now), window.reset_time(now)
        return GroupLimitStatus(
            name=name,
            limit=window.limit,
            window=window.window,
            remaining=remaining,
            reset_in=reset_in,
            reset_time=wall + reset_in,
            in_flight=window.in_flight(),
            time_waiting=waited,
            rate_limited=rate_limited,
            configured_limit=configured,
            learned=self.adaptive and learn is not None and learn.learned,
        )
