"""Rate limits shared through Redis by every client of one token, on any host.

``CodegenConfig(rate_limit_backend="redis://host:6379/0")`` selects it. Each endpoint
group's sliding window (and the overall cap's) is a sorted set in Redis, changed only
by the scripts of :mod:`._redis`, which take a slot in every window at once or in none,
on the server's clock. A 429 sets a cool-down key that holds the whole group in every
process. The in-memory :class:`~._limiter.AsyncRateLimiter` stays the default.

Fail safe: a Redis this process has never reached is an error at once. One lost later
(reached before by this limiter, another, or a bulk job's ledger) is retried for
``outage_timeout`` seconds, counted once per limiter from the outage's first failure
(not per request: a job of many items waits an outage out once), then every request
fails at once until Redis answers again. The limiter never falls back to per-process
limits, which would overshoot the token's.
"""

from __future__ import annotations

import itertools
import logging
import math
import secrets
import time
from collections import deque
from typing import Any

from .._http._backend import AsyncRedisConnector, monotonic, sleep
from ..config import RATE_LIMIT_GROUPS, CodegenConfig
from ..errors import ConfigurationError
from ._limiter import SlotUnavailable
from ._redis import (
    ACQUIRE_SCRIPT,
    COOLDOWN_SCRIPT,
    KEY_PREFIX,
    RELEASE_SCRIPT,
    CoordinationError,
    check_redis_url,
    redact_url,
    token_digest,
)
from ._redis_outage import RedisOutage
from ._status import GroupLimitStatus, RateLimitStatus

__all__ = ["AsyncRedisRateLimiter"]

logger = logging.getLogger("codegen")


class _Window:
    """One shared window: its keys, its numbers and this process's view of it."""

    __slots__ = ("cool_key", "held", "key", "limit", "ms", "rate_limited", "waited")

    def __init__(self, key: str, limit: int, window: float) -> None:
        self.key = key
        self.cool_key = key + ":cool"
        self.limit = limit
        self.ms = max(1, round(window * 1000))
        self.held: deque[str] = deque()  # this process's requests in flight, oldest first
        self.waited = 0.0
        self.rate_limited = 0

    @property
    def window(self) -> float:
        return self.ms / 1000


class AsyncRedisRateLimiter:
    """Paces every client of one token, in any process on any host, as one.

    Args:
        config: The client's configuration; ``rate_limit_backend`` names the Redis
            server, ``rate_limits`` / ``rate_limit_requests`` the limits. Every client
            sharing a token must use the same limits.
        outage_timeout: Seconds to keep retrying a Redis that was reachable and is
            lost (default: the config's ``redis_outage_timeout``), from the outage's
            first failure, before requests fail with
            :class:`~._redis.CoordinationError` (one bound for the whole limiter:
            once an outage has lasted this long, requests fail at once until Redis
            answers again).
    """

    def __init__(self, config: CodegenConfig, *, outage_timeout: float | None = None) -> None:
        url = check_redis_url(config.rate_limit_backend)
        if config.adaptive_rate_limit:
            raise ConfigurationError(
                "invalid settings: adaptive_rate_limit learns limits per process and "
                "cannot be combined with a shared rate_limit_backend"
            )
        self.strategy = config.rate_limit_strategy
        self.adaptive = False
        self.backend = redact_url(url)
        self._outage = RedisOutage(
            config.redis_outage_timeout if outage_timeout is None else outage_timeout,
            "rate limiter",
            "requests stop rather than exceed the token's shared rate limits",
            url,
        )
        self._redis = AsyncRedisConnector(url)
        prefix = f"{KEY_PREFIX}:{{{token_digest(config.api_token)}}}:rl:"
        self._windows = {g: _Window(prefix + g, *config.limit_for(g)) for g in RATE_LIMIT_GROUPS}
        self.overall: _Window | None = None
        if config.rate_limit_requests is not None and config.rate_limit_window is not None:
            self.overall = _Window(
                prefix + "overall", config.rate_limit_requests, config.rate_limit_window
            )
        # A slot in flight frees by itself a lease after it was taken, should this
        # process die before releasing it; no request outlives its timeout.
        self._lease_ms = round((config.timeout + 5.0) * 1000)
        self._ids = itertools.count()
        self._me = secrets.token_hex(8)
        self._sets = {g: self._set_of(w) for g, w in self._windows.items()}

    def _set_of(self, window: _Window) -> tuple[list[_Window], list[str], list[Any]]:
        windows = [window] if self.overall is None else [window, self.overall]
        keys = [k for w in windows for k in (w.key, w.cool_key)]
        args: list[Any] = [a for w in windows for a in (w.limit, w.ms)]
        return windows, keys, args

    @property
    def time_waiting(self) -> float:
        """Seconds this client spent waiting for a slot, over all groups."""
        return sum(w.waited for w in self._windows.values())

    def take_now(self, group: str) -> bool:
        """Never: a shared slot is always taken through Redis (:meth:`acquire`)."""
        return False

    def release_now(self, group: str, ok: bool, now: float) -> bool:
        """Never: a shared slot is always released through Redis (:meth:`release`)."""
        return False

    async def acquire(self, group: str, max_wait: float = math.inf) -> float:
        """Wait until a request of ``group`` may be sent by *any* client of the token,
        and take its slot(s). Returns the seconds waited; pair with :meth:`release`.
        Raises :class:`SlotUnavailable` when no slot frees within ``max_wait`` seconds."""
        windows, keys, args = self._sets[group]
        member = f"{self._me}:{next(self._ids)}"
        call_args = [member, self._lease_ms, *args]
        started = monotonic()
        while True:
            wait_ms = int(await self._call(ACQUIRE_SCRIPT, keys, call_args))
            if wait_ms <= 0:
                break
            if monotonic() - started + wait_ms / 1000 > max_wait:
                raise SlotUnavailable(wait_ms / 1000)
            await sleep(wait_ms / 1000)
        for w in windows:
            w.held.append(member)
        waited = monotonic() - started
        windows[0].waited += waited
        return waited

    async def release(self, group: str, ok: bool) -> None:
        """The attempt that took a slot of ``group`` finished (``ok``: a 2xx answer).

        If Redis cannot be told, the slot frees by itself when its lease ends (late,
        never early), so the request's answer is not lost to a Redis hiccup.
        """
        windows = self._sets[group][0]
        try:
            member = windows[0].held.popleft()
        except IndexError:
            return
        for w in windows[1:]:
            if member in w.held:
                w.held.remove(member)
        try:
            await self._redis.script(
                RELEASE_SCRIPT, [w.key for w in windows], [member, *(w.ms for w in windows)]
            )
        except CoordinationError as exc:
            logger.warning("rate limiter: could not release a slot (%s)", exc.message)

    async def penalize(self, group: str, retry_after: float | None, sent_at: float) -> None:
        """After a 429: every client of the token holds ``group`` for ``Retry-After``,
        or until the oldest request leaves the window."""
        window = self._windows[group]
        window.rate_limited += 1
        ms = -1 if retry_after is None else max(1, round(retry_after * 1000))
        try:
            await self._redis.script(
                COOLDOWN_SCRIPT, [window.key, window.cool_key], [ms, window.limit, window.ms]
            )
        except CoordinationError as exc:
            logger.warning("rate limiter: could not share a cool-down (%s)", exc.message)

    @property
    def outage_timeout(self) -> float:
        """Seconds an outage of the shared Redis is retried for (once per limiter)."""
        return self._outage.budget

    @outage_timeout.setter
    def outage_timeout(self, value: float) -> None:
        self._outage.budget = value

    async def _call(self, script: str, keys: list[str], args: list[Any]) -> Any:
        """Run a script; a Redis the process reached before (any limiter or ledger of
        it) and lost is retried within the limiter's outage budget."""
        reached = self._outage.reached
        try:
            return await self._outage.call(
                lambda: self._redis.script(script, keys, args), retry=reached
            )
        except CoordinationError as exc:
            if reached:
                raise
            raise CoordinationError(
                f"{exc.message}; the shared rate limiter (rate_limit_backend) needs it"
            ) from exc

    async def aclose(self) -> None:
        """Close the Redis connections."""
        await self._redis.aclose()

    def status(self) -> RateLimitStatus:
        """This client's view: the limits, its waits and 429s, its requests in flight."""
        wall = time.time()
        groups = {g: self._view(g, w, wall) for g, w in self._windows.items()}
        overall = None
        if self.overall is not None:
            overall = self._view("overall", self.overall, wall)
        return RateLimitStatus.summarize(
            strategy=self.strategy,
            adaptive=False,
            groups=groups,
            overall=overall,
            time_waiting=self.time_waiting,
        )

    def _view(self, name: str, w: _Window, wall: float) -> GroupLimitStatus:
        # Other processes' use is not known without asking Redis: an upper bound.
        remaining = max(0, w.limit - len(w.held))
        return GroupLimitStatus(
            name=name,
            limit=w.limit,
            window=w.window,
            remaining=remaining,
            reset_in=0.0,
            reset_time=wall,
            in_flight=len(w.held),
            time_waiting=w.waited,
            rate_limited=w.rate_limited,
            configured_limit=w.limit,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} backend={self.backend!r}>"
