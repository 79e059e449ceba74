"""Request deadlines on shared, coarse timers (async only; part of the seam).

aiohttp's own timeout gives every request a timer handle and enters a timer context on
each step (connect, send, every read): about 8 us of CPU per request at 64 in flight,
more than the rest of the client costs. Here a request joins the timer of a *slot*: its
deadline rounded up to a tick (a tenth of its timeout, at most 0.1 s). Requests due in
the same slot share one timer handle, so a busy client schedules about ten timers a
second whatever its rate. A request may so run up to one tick past its timeout (at most
10%, and 0.1 s for timeouts of a second or more), never less.

Expiry works like :func:`asyncio.timeout`: the task is cancelled, and the request turns
that cancellation into a timeout unless someone else cancelled the task too.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["Deadlines"]

_MAX_TICK = 0.1


class Deadlines:
    """Coarse deadlines for the requests of one client, in one event loop."""

    __slots__ = ("_expired", "_handles", "_loop", "_slots", "_ticks")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._slots: dict[float, set[asyncio.Task[Any]]] = {}
        self._handles: dict[float, asyncio.TimerHandle] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._ticks: dict[float, float] = {}  # timeout -> tick, computed once per value

    def start(self, task: asyncio.Task[Any], timeout: float) -> set[asyncio.Task[Any]]:
        """Arm a deadline ``timeout`` seconds from now for ``task`` (the current one).

        Returns the slot's set of tasks: discard ``task`` from it once the request is
        over, before the task awaits anything else (that disarms the deadline).
        """
        tick = self._ticks.get(timeout)
        if tick is None:
            tick = self._ticks[timeout] = min(_MAX_TICK, timeout / 10)
        due = (int((self._loop.time() + timeout) / tick) + 1) * tick
        members = self._slots.get(due)
        if members is None:
            members = self._slots[due] = set()
            self._handles[due] = self._loop.call_at(due, self._expire, due)
        members.add(task)
        return members

    def timed_out(self, task: asyncio.Task[Any]) -> bool:
        """After a ``CancelledError`` in ``task``: whether it was a deadline's (and only its).

        True means the cancellation is consumed: raise a timeout error instead. False
        means it came from elsewhere (or from elsewhere too): let it propagate.
        """
        if task not in self._expired:
            return False
        self._expired.discard(task)
        uncancel = getattr(task, "uncancel", None)  # Python 3.11+
        return True if uncancel is None else bool(uncancel() == 0)

    def _expire(self, due: float) -> None:
        del self._handles[due]
        for task in self._slots.pop(due, ()):
            if not task.done():
                self._expired.add(task)
                task.cancel()

    def close(self) -> None:
        """Cancel every timer (the client's session is closing)."""
        for handle in self._handles.values():
            handle.cancel()
        self._handles.clear()
        self._slots.clear()
        self._expired.clear()
