"""Request metrics: counters and a bounded latency histogram (pure, shared, thread-safe)."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ClientStats", "GroupStats", "Metrics"]

# Log-spaced latency buckets: 5% apart from 0.1 ms to ~10 min. Bounded memory, and
# percentiles within 5% whatever the number of requests.
_BASE = 1.05
_MIN = 1e-4
_NBUCKETS = 330


def _bucket(seconds: float) -> int:
    if seconds <= _MIN:
        return 0
    return min(_NBUCKETS - 1, int(math.log(seconds / _MIN, _BASE)) + 1)


def _bucket_value(index: int) -> float:
    return _MIN * _BASE**index if index else _MIN


@dataclass
class _Counters:
    total: int = 0
    ok: int = 0
    failed: int = 0
    retries: int = 0
    rate_limited: int = 0
    latency_sum: float = 0.0
    histogram: list[int] = field(default_factory=lambda: [0] * _NBUCKETS)

    def percentile(self, q: float) -> float:
        count = sum(self.histogram)
        if not count:
            return 0.0
        rank = q * count
        seen = 0
        for index, n in enumerate(self.histogram):
            seen += n
            if seen >= rank and n:
                return _bucket_value(index)
        return _bucket_value(_NBUCKETS - 1)  # pragma: no cover


@dataclass(frozen=True)
class GroupStats:
    """Counters of one endpoint group."""

    total_requests: int
    successful_requests: int
    failed_requests: int
    retries: int
    rate_limited: int
    avg_response_time: float
    p50: float
    p95: float
    p99: float


@dataclass(frozen=True)
class ClientStats:
    """A snapshot of a client's request metrics (see ``get_stats()``)."""

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

    def dict(self) -> dict[str, Any]:
        """Plain data (groups included)."""
        data = {k: v for k, v in self.__dict__.items() if k != "by_group"}
        data["by_group"] = {g: s.__dict__.copy() for g, s in self.by_group.items()}
        return data


class Metrics:
    """Counts every HTTP attempt; ``snapshot()`` derives rates and percentiles."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: dict[str, _Counters] = {}

    def record(self, group: str, ok: bool, seconds: float, *, rate_limited: bool = False) -> None:
        """Record one finished request (after its last attempt)."""
        with self._lock:
            c = self._groups.get(group)
            if c is None:
                c = self._groups[group] = _Counters()
            c.total += 1
            if ok:
                c.ok += 1
            else:
                c.failed += 1
            if rate_limited:
                c.rate_limited += 1
            c.latency_sum += seconds
            c.histogram[_bucket(seconds)] += 1

    def record_retry(self, group: str, *, rate_limited: bool = False) -> None:
        with self._lock:
            c = self._groups.get(group)
            if c is None:
                c = self._groups[group] = _Counters()
            c.retries += 1
            if rate_limited:
                c.rate_limited += 1

    def reset(self) -> None:
        with self._lock:
            self._groups.clear()

    def snapshot(self, *, time_waiting: float, cache_hit_rate: float) -> ClientStats:
        with self._lock:
            merged = _Counters()
            groups: dict[str, GroupStats] = {}
            for name, c in self._groups.items():
                groups[name] = _group_stats(c)
                merged.total += c.total
                merged.ok += c.ok
                merged.failed += c.failed
                merged.retries += c.retries
                merged.rate_limited += c.rate_limited
                merged.latency_sum += c.latency_sum
                merged.histogram = [
                    a + b for a, b in zip(merged.histogram, c.histogram, strict=True)
                ]
            overall = _group_stats(merged)
        total = overall.total_requests
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
            time_waiting_for_rate_limit=time_waiting,
            cache_hit_rate=cache_hit_rate,
            by_group=groups,
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
    )
