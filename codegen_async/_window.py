"""Sliding-window accounting for the rate limiter (pure, shared, thread-safe).

A slot is held from the moment a request is let go until ``window`` seconds after its
answer arrived (or it failed). Counting from the *end* of a request, not its start, is
what makes the window safe against a server that stamps requests on arrival: a request
that sat in a connection pool or a slow network still arrived before its answer came
back, so the server's count of any window of ``window`` seconds can never exceed ours.
The price is one round trip per window (a few milliseconds in a 30 s window).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Sequence

__all__ = ["AdaptiveLimit", "SlidingWindow", "acquire_all"]


class SlidingWindow:
    """At most ``limit`` requests in any ``window`` seconds, each counted until ``window``
    seconds after it finished.

    ``try_acquire(now)`` takes a slot and returns 0.0, or returns the seconds to wait
    before one may free. Every slot taken must be given back once: ``release(now)`` when
    the request finished (it keeps counting for ``window`` seconds), ``cancel()`` when it
    was never sent. ``block_until(t)`` holds every caller until ``t`` (a group cool-down
    after a 429). With ``smooth=True`` requests are also spaced ``window / limit`` apart
    (a virtual schedule that tolerates one request of timer lateness), so a burst never
    goes out at once.
    """

    __slots__ = (
        "_blocked_until",
        "_done",
        "_in_flight",
        "_lock",
        "_next_at",
        "_smooth",
        "limit",
        "rate_limited",
        "waited",
        "window",
    )

    def __init__(self, limit: int, window: float, *, smooth: bool = False) -> None:
        self.limit = limit
        self.window = window
        self._smooth = smooth
        self._done: deque[float] = deque()  # end stamps, oldest first
        self._in_flight = 0
        self._blocked_until = 0.0
        self._next_at = 0.0  # smooth pacing: when the next request is due
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds callers spent waiting for this window, in total
        self.rate_limited = 0  # 429 answers counted against this window

    # -- the hot path (each O(1) amortised) -------------------------------------------------

    def _prune(self, now: float) -> None:
        done = self._done
        horizon = now - self.window
        while done and done[0] <= horizon:
            done.popleft()

    def _wait(self, now: float) -> float:
        """Seconds until a slot may free (0.0: free now). The lock is held."""
        wait = self._blocked_until - now
        self._prune(now)
        if self._in_flight + len(self._done) >= self.limit:
            # Full. The earliest a slot frees is when the oldest finished request leaves
            # the window; with every slot in flight, no earlier than a window from now.
            # Both figures are lower bounds, so a waiter that sleeps them never oversleeps.
            if self._done and self._in_flight < self.limit:
                wait = max(wait, self._done[0] + self.window - now)
            else:
                wait = max(wait, self.window)
        if self._smooth:
            interval = self.window / self.limit
            # One interval of tolerance absorbs timer lateness without allowing a burst.
            wait = max(wait, self._next_at - interval - now)
        return wait if wait > 0.0 else 0.0

    def _take(self, now: float) -> None:
        self._in_flight += 1
        if self._smooth:
            self._next_at = max(self._next_at, now) + self.window / self.limit

    def try_acquire(self, now: float) -> float:
        """Take a slot and return 0.0, or return the seconds to wait before trying again."""
        with self._lock:
            wait = self._wait(now)
            if wait == 0.0:
                self._take(now)
            return wait

    def release(self, now: float) -> None:
        """A request holding a slot finished (answered or failed) at ``now``."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            done = self._done
            # Stamps from several threads may arrive out of order by a hair; keep the
            # deque sorted so pruning from the left stays correct.
            done.append(now if not done or now >= done[-1] else done[-1])

    def cancel(self) -> None:
        """Give back a slot that was taken but never used."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)

    def block_until(self, until: float) -> None:
        """Hold every caller until ``until`` (never shortens an existing block)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, until)

    # -- inspection and tuning --------------------------------------------------------------

    def used(self, now: float) -> int:
        """Slots taken: requests in flight plus those finished within the window."""
        with self._lock:
            self._prune(now)
            return self._in_flight + len(self._done)

    def in_flight(self) -> int:
        """Requests let go and not finished yet."""
        with self._lock:
            return self._in_flight

    def remaining(self, now: float) -> int:
        """Requests that may start now without waiting for a slot."""
        with self._lock:
            self._prune(now)
            left = self.limit - self._in_flight - len(self._done)
            return 0 if now < self._blocked_until else max(0, left)

    def reset_time(self, now: float) -> float:
        """Seconds until the next slot frees (0.0 if one is free now)."""
        with self._lock:
            return self._wait(now)

    def cooldown(self, now: float) -> float:
        """Seconds until the oldest request leaves the window (``window / limit`` if none):
        how long a server counting like us may still refuse, after a 429."""
        with self._lock:
            self._prune(now)
            if self._done:
                return max(self._done[0] + self.window - now, self.window / self.limit)
            return self.window / self.limit

    def note_wait(self, seconds: float) -> None:
        """Add to the time callers spent waiting for a slot."""
        with self._lock:
            self.waited += seconds

    def note_rate_limited(self) -> None:
        """Count a 429 answer."""
        with self._lock:
            self.rate_limited += 1

    def set_limit(self, limit: int) -> None:
        """Change the limit (adaptive mode); slots already taken keep counting."""
        with self._lock:
            self.limit = max(1, limit)


def acquire_all(windows: Sequence[SlidingWindow], now: float) -> float:
    """Take a slot in every window at once, or in none: returns 0.0 or the longest wait.

    Locks are taken in the order given; callers always pass the group's window before the
    overall one, so two threads can never hold them crosswise.
    """
    if len(windows) == 1:
        return windows[0].try_acquire(now)
    if len(windows) == 2:  # a group and the overall cap: the common case, unrolled
        first, second = windows
        with first._lock, second._lock:
            wait = max(first._wait(now), second._wait(now))
            if wait == 0.0:
                first._take(now)
                second._take(now)
            return wait
    locks = [w._lock for w in windows]
    for lock in locks:
        lock.acquire()
    try:
        wait = max(w._wait(now) for w in windows)
        if wait == 0.0:
            for w in windows:
                w._take(now)
        return wait
    finally:
        for lock in reversed(locks):
            lock.release()


# Adaptive mode: multiplicative decrease on a 429, slow additive increase afterwards.
_DECREASE = 0.7
_PROBE_WINDOWS = 10  # clean windows before trying a level that drew a 429 before


class AdaptiveLimit:
    """What adaptive mode learned about one group's real limit (pure, thread-safe).

    On a 429 the limit drops to what the window held when the server refused (the
    server's count cannot have been higher), or by a factor of 0.7 when the window held
    as many as the limit (the server counts something we do not see). After each
    full window without a 429 it creeps up by one, towards the configured limit; a level
    that drew a 429 before is tried again only after ten clean windows, so a steady job
    pays about one 429 per ten windows to notice that a limit was raised.
    """

    __slots__ = (
        "_ceiling",
        "_last_change",
        "_lock",
        "configured",
        "decreases",
        "increases",
        "limit",
    )

    def __init__(self, configured: int) -> None:
        self.configured = configured
        self.limit = configured
        self.decreases = 0
        self.increases = 0
        self._ceiling: int | None = None  # lowest level known to draw a 429
        self._last_change = -math.inf
        self._lock = threading.Lock()

    @property
    def learned(self) -> bool:
        """Whether a 429 taught this group a limit below the configured one."""
        return self.limit < self.configured or self.decreases > 0

    def on_rate_limited(self, now: float, sent_at: float, held: int) -> int:
        """A request sent at ``sent_at`` got a 429 while the window held ``held`` others.

        Returns the new limit. A 429 to a request sent before the last cut says nothing
        new (it was paced for the old limit) and is ignored.
        """
        with self._lock:
            if sent_at < self._last_change:
                return self.limit
            failed = self.limit if held <= 0 else min(self.limit, held + 1)
            self._ceiling = failed if self._ceiling is None else min(self._ceiling, failed)
            # The server accepted no more than ``held`` in its window; when that says nothing
            # (the window held the whole limit), back off multiplicatively.
            new = held if 0 < held < self.limit else math.floor(self.limit * _DECREASE)
            new = max(1, new)
            if new < self.limit:
                self.decreases += 1
            self.limit = new
            self._last_change = now
            return new

    def on_success(self, now: float, window: float) -> int:
        """A request succeeded; after enough clean windows the limit creeps up by one."""
        with self._lock:
            if self.limit >= self.configured:
                return self.limit
            clean = now - self._last_change
            probing = self._ceiling is not None and self.limit + 1 >= self._ceiling
            if clean >= window * (_PROBE_WINDOWS if probing else 1):
                if probing:
                    self._ceiling = None  # the old level is tried again; forget it
                self.limit += 1
                self.increases += 1
                self._last_change = now
            return self.limit
