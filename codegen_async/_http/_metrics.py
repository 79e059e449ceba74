"""Request metrics: counters and a bounded latency histogram (pure, shared, thread-safe).

What counts: a *request* is one API call that went to the network, however many attempts
it took (``retries`` counts the extra attempts). A call answered from the cache is not a
request: it is a cache hit, counted in ``cache_hits`` / ``cache_hit_rate``, so that
``total_requests`` is what the API saw and what its rate limits count. A request's
response time runs from its first attempt to its answer, retries and back-off included,
time spent waiting for the rate limiter excluded (that is ``time_waiting_for_rate_limit``).
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from typing import Any

import msgspec

__all__ = ["ClientStats", "GroupStats", "Metrics"]

# Log-spaced latency buckets: 5% apart from 0.1 ms to ~10 min. Bounded memory, and
# percentiles within 5% whatever the number of requests.
_BASE = 1.05
_MIN = 1e-4
_NBUCKETS = 330


# Upper bounds of buckets 0 .. N-2 (bucket i holds (MIN * BASE**(i-1), MIN * BASE**i]);
# a binary search over them is cheaper per request than a logarithm.
_BOUNDS = [_MIN * _BASE**i for i in range(_NBUCKETS - 1)]


def _bucket(seconds: float) -> int:
    return bisect_left(_BOUNDS, seconds)


def _bucket_value(index: int) -> float:
    # Bucket i holds (MIN * BASE**(i-1), MIN * BASE**i]; report its geometric middle.
    return _MIN * _BASE ** (index - 0.5) if index else _MIN


class _Counters:
    __slots__ = (
        "cache_hits",
        "cache_misses",
        "failed",
        "histogram",
        "latency_sum",
        "ok",
        "rate_limited",
        "retries",
        "waiting",
    )

    def __init__(self) -> None:
        self.ok = self.failed = self.retries = self.rate_limited = 0
        self.cache_hits = self.cache_misses = 0
        self.waiting = self.latency_sum = 0.0
        self.histogram = [0] * _NBUCKETS

    @property
    def total(self) -> int:
        return self.ok + self.failed

    def add(self, other: _Counters) -> None:
        self.ok += other.ok
        self.failed += other.failed
        self.retries += other.retries
        self.rate_limited += other.rate_limited
        self.cache_hits += other.cache_hits
        self.cache_misses += other.cache_misses
        self.waiting += other.waiting
        self.latency_sum += other.latency_sum
        hist = self.histogram
        for index, n in enumerate(other.histogram):
            if n:
                hist[index] += n

    def percentile(self, q: float) -> float:
        count = self.total
        if not count:
            return 0.0
        rank = q * count
        seen = 0
        for index, n in enumerate(self.histogram):
            seen += n
            if seen >= rank and n:
                return _bucket_value(index)
        return _bucket_value(_NBUCKETS - 1)  # pragma: no cover


class GroupStats(msgspec.Struct, frozen=True, kw_only=True):
    """Counters of one endpoint group (see :class:`ClientStats` for each field)."""

    total_requests: int
    successful_requests: int
    failed_requests: int
    retries: int
    rate_limited: int
    avg_response_time: float
    p50: float
    p95: float
    p99: float
    time_waiting_for_rate_limit: float = 0.0
    cache_hits: int = 0
    cache_misses: int = 0

    def dict(self) -> dict[str, Any]:
        """Plain data (JSON-able)."""
        return msgspec.structs.asdict(self)


class ClientStats(msgspec.Struct, frozen=True, kw_only=True):
    """A snapshot of a client's request metrics (see ``get_stats()``).

    Attributes:
        total_requests: API calls sent to the network (cache hits excluded).
        successful_requests / failed_requests: calls that ended in a 2xx / anything else.
        success_rate / error_rate: their share of ``total_requests`` (0.0 when none).
        avg_response_time, p50, p95, p99: seconds per call, first attempt to answer
            (percentiles from a log histogram: within 2.5%).
        retries: extra attempts made.
        rate_limited: 429 answers received (retried ones included).
        time_waiting_for_rate_limit: seconds calls spent waiting for the client's limiter.
        cache_hit_rate: hits / (hits + misses) of the GET cache (0.0 when unused).
        cache_hits / cache_misses: cacheable calls answered from / not from the cache.
        by_group: the same counters per endpoint group.
    """

    total_requests: int
    successful_requests: int
    failed_requests: int
    success_rate: float
    error_rate: float
    avg_response_time: float
    p50: float
    p95: float
    p99: float
    retries: int
    rate_limited: int
    time_waiting_for_rate_limit: float
    cache_hit_rate: float
    by_group: dict[str, GroupStats]
    cache_hits: int = 0
    cache_misses: int = 0

    def dict(self) -> dict[str, Any]:
        """Plain data (JSON-able, groups included)."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data


class Metrics:
    """Counts every API call; ``snapshot()`` derives rates and percentiles.

    Memory is bounded: per group a few counters and a fixed 330-bucket histogram.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: dict[str, _Counters] = {}

    def _counters(self, group: str) -> _Counters:
        c = self._groups.get(group)
        if c is None:
            c = self._groups[group] = _Counters()
        return c

    def record(
        self,
        group: str,
        ok: bool,
        seconds: float,
        *,
        rate_limited: bool = False,
        waited: float = 0.0,
    ) -> None:
        """Record one finished call (after its last attempt), and its wait for the limiter."""
        index = _bucket(seconds)
        with self._lock:
            c = self._groups.get(group) or self._counters(group)
            if waited:
                c.waiting += waited
            if ok:
                c.ok += 1
            else:
                c.failed += 1
            if rate_limited:
                c.rate_limited += 1
            c.latency_sum += seconds
            c.histogram[index] += 1

    def record_ok(self, group: str, seconds: float, waited: float, cache_miss: bool) -> None:
        """:meth:`record` of a call that succeeded, plus its cache miss if it had one.

        The path of nearly every call, so it takes the fewest steps (one lock, no keywords).
        """
        index = _bucket(seconds)
        lock = self._lock
        lock.acquire()  # not `with`: half the cost
        try:
            c = self._groups.get(group) or self._counters(group)
            c.ok += 1
            c.latency_sum += seconds
            c.histogram[index] += 1
            if waited:
                c.waiting += waited
            if cache_miss:
                c.cache_misses += 1
        finally:
            lock.release()

    def record_retry(self, group: str, *, rate_limited: bool = False) -> None:
        """Record one more attempt (and whether a 429 caused it)."""
        with self._lock:
            c = self._counters(group)
            c.retries += 1
            if rate_limited:
                c.rate_limited += 1

    def record_wait(self, group: str, seconds: float) -> None:
        """Record time a call spent waiting for the rate limiter."""
        with self._lock:
            self._counters(group).waiting += seconds

    def record_cache(self, group: str, hit: bool) -> None:
        """Record a cache lookup."""
        with self._lock:
            c = self._counters(group)
            if hit:
                c.cache_hits += 1
            else:
                c.cache_misses += 1

    def reset(self) -> None:
        """Forget everything counted so far."""
        with self._lock:
            self._groups.clear()

    def snapshot(
        self, *, time_waiting: float | None = None, cache_hit_rate: float | None = None
    ) -> ClientStats:
        """Totals, rates and percentiles, overall and per group.

        ``time_waiting`` / ``cache_hit_rate`` override the figures counted here (kept for
        callers that read them elsewhere); by default both come from these counters, so
        that :meth:`reset` resets them too.
        """
        merged = _Counters()
        with self._lock:
            groups = {name: _group_stats(c) for name, c in self._groups.items()}
            for c in self._groups.values():
                merged.add(c)
        overall = _group_stats(merged)
        total = overall.total_requests
        lookups = merged.cache_hits + merged.cache_misses
        if cache_hit_rate is None:
            cache_hit_rate = merged.cache_hits / lookups if lookups else 0.0
        return ClientStats(
            total_requests=total,
            successful_requests=overall.successful_requests,
            failed_requests=overall.failed_requests,
            success_rate=overall.successful_requests / total if total else 0.0,
            error_rate=overall.failed_requests / total if total else 0.0,
            avg_response_time=overall.avg_response_time,
            p50=overall.p50,
            p95=overall.p95,
            p99=overall.p99,
            retries=overall.retries,
            rate_limited=overall.rate_limited,
            time_waiting_for_rate_limit=merged.waiting if time_waiting is None else time_waiting,
            cache_hit_rate=cache_hit_rate,
            by_group=groups,
            cache_hits=merged.cache_hits,
            cache_misses=merged.cache_misses,
        )


def _group_stats(c: _Counters) -> GroupStats:
    return GroupStats(
        total_requests=c.total,
        successful_requests=c.ok,
        failed_requests=c.failed,
        retries=c.retries,
        rate_limited=c.rate_limited,
        avg_response_time=c.latency_sum / c.total if c.total else 0.0,
        p50=c.percentile(0.50),
        p95=c.percentile(0.95),
        p99=c.percentile(0.99),
        time_waiting_for_rate_limit=c.waiting,
        cache_hits=c.cache_hits,
        cache_misses=c.cache_misses,
    )
