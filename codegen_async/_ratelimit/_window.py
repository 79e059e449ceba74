"""Sliding-window accounting for the rate limiter (pure, shared, thread-safe).

A slot is held from the moment a request is let go until ``window`` seconds after its
answer arrived (or it failed). Counting from the *end* of a request, not its start, is
what makes the window safe against a server that stamps requests on arrival: a request
that sat in a connection pool or a slow network still arrived before its answer came
back, so the server's count of any window of ``window`` seconds can never exceed ours.
The price is one round trip per window (a few milliseconds in a 30 s window).

Finished requests are counted in time slices of ``window / 256``: each slice keeps its
count and its *latest* end stamp, and leaves the window when that stamp does. A request
may so be held up to one slice longer than it must (at most 0.4% of a window's
capacity), never shorter; in exchange memory stays at 256 slices whatever the rate, and
the per-request work touches only the newest slice (at thousands of requests a second,
a stamp per request meant touching a long-evicted stamp on every release).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Sequence

__all__ = ["SLICES", "AdaptiveLimit", "SlidingWindow", "acquire_all"]

SLICES = 256
"""Time slices per window (see the module docstring)."""


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

    Windows that are always used together (a group and the overall cap) may share one
    ``lock``; :func:`acquire_all` then takes it once.
    """

    __slots__ = (
        "_blocked_until",
        "_closed",
        "_finished",
        "_gate",
        "_lock",
        "_next_at",
        "_open_count",
        "_open_end",
        "_open_until",
        "_slice",
        "_smooth",
        "_used",
        "limit",
        "rate_limited",
        "waited",
        "window",
    )

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        smooth: bool = False,
        lock: threading.Lock | None = None,
    ) -> None:
        self.limit = limit
        self.window = window
        self._smooth = smooth
        self._slice = window / SLICES
        # Finished requests: closed slices as (latest end stamp, count), oldest first, and
        # the open slice, which takes ends stamped before ``_open_until``.
        self._closed: deque[tuple[float, int]] = deque()
        self._open_end = 0.0
        self._open_count = 0
        self._open_until = -math.inf
        self._finished = 0  # requests counted in the slices
        # Slots taken: requests in flight plus ``_finished`` (slices not pruned yet only
        # overcount, never under).
        self._used = 0
        # The fast path takes a slot while ``_used < _gate``: the limit, or 0 while a
        # block or smooth pacing needs the clock (every take then goes the slow way).
        self._gate = 0 if smooth else limit
        self._blocked_until = 0.0
        self._next_at = 0.0  # smooth pacing: when the next request is due
        self._lock = threading.Lock() if lock is None else lock
        self.waited = 0.0  # seconds callers spent waiting for this window, in total
        self.rate_limited = 0  # 429 answers counted against this window

    # -- the hot path (each O(1) amortised) -------------------------------------------------

    def _prune(self, now: float) -> None:
        horizon = now - self.window
        closed = self._closed
        while closed and closed[0][0] <= horizon:
            count = closed.popleft()[1]
            self._used -= count
            self._finished -= count
        if self._open_count and self._open_end <= horizon:
            self._used -= self._open_count
            self._finished -= self._open_count
            self._open_count = 0
            self._open_until = -math.inf

    def _oldest_end(self) -> float | None:
        if self._closed:
            return self._closed[0][0]
        return self._open_end if self._open_count else None

    def _wait(self, now: float) -> float:
        """Seconds until a slot may free (0.0: free now). The lock is held."""
        wait = self._blocked_until - now
        if wait <= 0.0 and not self._smooth:
            self._gate = self.limit  # a block that has passed no longer gates the fast path
        self._prune(now)
        if self._used >= self.limit:
            # Full. The earliest a slot frees is when the oldest slice leaves the window;
            # with every slot in flight, no earlier than a window from now. Both figures
            # are lower bounds, so a waiter that sleeps them never oversleeps.
            oldest = self._oldest_end()
            if oldest is not None and self._used - self._finished < self.limit:
                wait = max(wait, oldest + self.window - now)
            else:
                wait = max(wait, self.window)
        if self._smooth:
            interval = self.window / self.limit
            # One interval of tolerance absorbs timer lateness without allowing a burst.
            wait = max(wait, self._next_at - interval - now)
        return wait if wait > 0.0 else 0.0

    def _take(self, now: float) -> None:
        self._used += 1
        if self._smooth:
            self._next_at = max(self._next_at, now) + self.window / self.limit

    def try_acquire(self, now: float) -> float:
        """Take a slot and return 0.0, or return the seconds to wait before trying again."""
        with self._lock:
            wait = self._wait(now)
            if wait == 0.0:
                self._take(now)
            return wait

    def take_free(self, overall: SlidingWindow | None = None) -> bool:
        """Take a slot here and in ``overall`` if both are far from every limit; else none.

        The fast path of every request: far from the limit no clock is needed (stamps not
        yet pruned only overcount, see ``_gate``). False means: take the slow path,
        :func:`acquire_all`. The caller holds the lock the windows share (a sync client)
        or runs on the event loop.
        """
        if self._used < self._gate and (overall is None or overall._used < overall._gate):
            self._used += 1
            if overall is not None:
                overall._used += 1
            return True
        return False

    def release(self, now: float) -> None:
        """A request holding a slot finished (answered or failed) at ``now``."""
        with self._lock:
            self.release_held(now)

    def release_held(self, now: float) -> None:
        """:meth:`release` for a caller already holding the window's lock (or on the loop).

        Threads may pass stamps out of order: a late one lands in the open slice, whose
        end is the latest stamp, so a slot is never freed early.
        """
        if self._used <= self._finished:
            return  # nothing in flight: a release without a take changes nothing
        self._finished += 1
        if now < self._open_until:
            self._open_count += 1
            if now > self._open_end:  # noqa: PLR1730 - no call on the hot path
                self._open_end = now
            return
        # Once a slice: close the open one, open a new one, and prune (which keeps memory
        # to one window of slices, so the take path never needs to prune far from full).
        if self._open_count:
            self._closed.append((self._open_end, self._open_count))
        self._open_end = now
        self._open_count = 1
        self._open_until = now + self._slice
        self._prune(now)

    def cancel(self) -> None:
        """Give back a slot that was taken but never used."""
        with self._lock:
            if self._used > self._finished:
                self._used -= 1

    def block_until(self, until: float) -> None:
        """Hold every caller until ``until`` (never shortens an existing block)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, until)
            self._gate = 0

    # -- inspection and tuning --------------------------------------------------------------

    def used(self, now: float) -> int:
        """Slots taken: requests in flight plus those finished within the window."""
        with self._lock:
            self._prune(now)
            return self._used

    def in_flight(self) -> int:
        """Requests let go and not finished yet."""
        with self._lock:
            return self._used - self._finished

    def remaining(self, now: float) -> int:
        """Requests that may start now without waiting for a slot."""
        with self._lock:
            self._prune(now)
            left = self.limit - self._used
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
            oldest = self._oldest_end()
            if oldest is not None:
                return max(oldest + self.window - now, self.window / self.limit)
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
            if self._gate:
                self._gate = self.limit


def _take_all(windows: Sequence[SlidingWindow], now: float) -> float:
    """Take a slot in every window or in none; the windows' locks are held."""
    for w in windows:
        if w._used >= w._gate:
            break
    else:
        # Far from every limit. Stamps not yet pruned only overcount, so a free slot by
        # this count is a free slot: no pruning, no wait arithmetic (the common case).
        for w in windows:
            w._used += 1
        return 0.0
    wait = 0.0
    for w in windows:
        wait = max(wait, w._wait(now))
    if wait == 0.0:
        for w in windows:
            w._take(now)
    return wait


def acquire_all(
    windows: Sequence[SlidingWindow], now: float, lock: threading.Lock | None = None
) -> float:
    """Take a slot in every window at once, or in none: returns 0.0 or the longest wait.

    ``lock``: the one lock all ``windows`` share, if they do (taken once). Otherwise
    each window's lock is taken, in the order given; callers always pass the group's
    window before the overall one, so two threads can never hold them crosswise.
    """
    if lock is not None:
        with lock:
            return _take_all(windows, now)
    locks = [w._lock for w in windows]
    for each in locks:
        each.acquire()
    try:
        return _take_all(windows, now)
    finally:
        for each in reversed(locks):
            each.release()


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
