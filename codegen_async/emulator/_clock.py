"""Emulated time: the one clock run lifecycles and rate-limit windows read."""

from __future__ import annotations

import datetime as _dt
import math
import time

__all__ = ["Clock"]

_UTC = _dt.timezone.utc
# Far enough below datetime's year 9999 for any run's duration on top.
_LATEST = _dt.datetime(9000, 1, 1, tzinfo=_UTC).timestamp()


class Clock:
    """Emulated UNIX time, running ``1 / time_scale`` times as fast as the wall clock.

    It starts at the wall clock's current time, so timestamps look current, and can be
    moved forward with :meth:`advance` so tests need not sleep.
    """

    __slots__ = ("_epoch0", "_inv_scale", "_mono0", "_offset", "time_scale")

    def __init__(self, time_scale: float = 1.0) -> None:
        self.time_scale = time_scale
        self._inv_scale = 1.0 / time_scale
        self._mono0 = time.monotonic()
        self._epoch0 = time.time()
        self._offset = 0.0

    def now(self) -> float:
        """Current emulated time, in seconds since the UNIX epoch."""
        return self._epoch0 + (time.monotonic() - self._mono0) * self._inv_scale + self._offset

    def advance(self, seconds: float) -> None:
        """Move emulated time forward by ``seconds`` (emulated), up to the year 9000.

        Raises ``ValueError`` for a negative or non-finite amount, or one that would move
        the clock past the year 9000 (timestamps must stay formattable).
        """
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("the emulated clock only moves forward, by a finite amount")
        if self.now() + seconds > _LATEST:
            raise ValueError("the emulated clock cannot move past the year 9000")
        self._offset += seconds

    def to_wall(self, emulated_seconds: float) -> float:
        """Wall-clock duration of an emulated duration."""
        return emulated_seconds * self.time_scale


def format_timestamp(ts: float, iso: bool = False) -> str:
    """Format emulated time as the live API does (``2025-06-21 11:20:04.338398``) or ISO-8601."""
    moment = _dt.datetime.fromtimestamp(ts, _UTC)
    if iso:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
