"""One bound on a Redis outage, shared by every call of its owner (a limiter, a ledger).

A Redis call that fails is retried with backoff while the outage it belongs to is
younger than the budget; the outage starts at the first failure and ends at the next
success. Once it has lasted the budget, every call fails at its first failure, until
one succeeds again. So a job of many items waits out an outage once, not once per item.

Which servers answered is known process-wide: a limiter whose first call falls in an
outage of a Redis the process's ledger (or another limiter) has reached retries it too,
while a server never reached (a wrong URL) can fail at once.
"""

from __future__ import annotations

import logging
from typing import TypeVar

from .._http._backend import Job, monotonic, sleep
from ..config import DEFAULT_REDIS_OUTAGE_TIMEOUT
from ._redis import CoordinationError

__all__ = ["DEFAULT_OUTAGE_TIMEOUT", "RedisOutage"]

T = TypeVar("T")
logger = logging.getLogger("codegen")

_reached: set[str] = set()  # Redis URLs that answered a call in this process

DEFAULT_OUTAGE_TIMEOUT = DEFAULT_REDIS_OUTAGE_TIMEOUT
"""Seconds a lost Redis is waited for before calls fail (the config's default)."""


class RedisOutage:
    """The outage budget of one owner.

    Args:
        budget: Seconds an outage is retried for, from its first failure.
        what: Who waits (for the log and the final error), e.g. ``"rate limiter"``.
        consequence: What the final error adds, e.g. ``"requests stop"``.
        url: The Redis server's URL (never shown; it keys what the process reached).
    """

    def __init__(self, budget: float, what: str, consequence: str, url: str) -> None:
        self.url = url
        self.budget = budget
        self.what = what
        self.consequence = consequence
        self._since: float | None = None  # monotonic time of the current outage's start

    @property
    def ongoing(self) -> bool:
        """Whether the last call failed (an outage is going on)."""
        return self._since is not None

    @property
    def reached(self) -> bool:
        """Whether this server has answered a call in this process (any owner's)."""
        return self.url in _reached

    async def call(self, call: Job[T], *, retry: bool = True) -> T:
        """``call()``, retried within the budget (``retry=False``: fail at once)."""
        pause = 0.05
        while True:
            try:
                result = await call()
            except CoordinationError as exc:
                if not retry:
                    raise
                now = monotonic()
                since = self._since
                if since is None:
                    since = self._since = now
                    logger.warning("%s: %s; retrying for %gs", self.what, exc.message, self.budget)
                left = since + self.budget - now
                if left <= 0:
                    raise CoordinationError(
                        f"{exc.message} for {self.budget:g} s; {self.consequence}"
                    ) from exc
                await sleep(min(pause, left))
                pause = min(pause * 2, 1.0)
            else:
                self._since = None
                _reached.add(self.url)
                return result
