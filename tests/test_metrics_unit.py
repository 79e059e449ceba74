"""Unit tests of the request metrics (counters, bounded histogram, snapshots)."""

from __future__ import annotations

import json
import random
import sys

import pytest

from codegen_async._http._metrics import Metrics


class TestMetrics:
    def test_counts_and_rates(self) -> None:
        """Totals, success and error rates add up."""
        m = Metrics()
        for ok in (True, True, True, False):
            m.record("standard", ok, 0.01)
        stats = m.snapshot()
        assert (4, 3, 1) == (
            stats.total_requests,
            stats.successful_requests,
            stats.failed_requests,
        )
        assert (0.75, 0.25) == (stats.success_rate, stats.error_rate)

    def test_percentiles_within_bucket_precision(self) -> None:
        """p50/p95/p99 of 10,000 samples are within 2.5% of the exact values."""
        rng = random.Random(3)
        samples = [rng.lognormvariate(-4, 1) for _ in range(10_000)]
        m = Metrics()
        for s in samples:
            m.record("standard", True, s)
        stats = m.snapshot()
        ordered = sorted(samples)
        for q, got in ((0.50, stats.p50), (0.95, stats.p95), (0.99, stats.p99)):
            exact = ordered[int(q * len(ordered)) - 1]
            assert exact == pytest.approx(got, rel=0.026)
        assert sum(samples) / len(samples) == pytest.approx(stats.avg_response_time)

    def test_memory_is_bounded(self) -> None:
        """A million records keep the same footprint (no list of samples)."""
        m = Metrics()
        m.record("standard", True, 0.01)
        before = sys.getsizeof(m._groups["standard"].histogram)
        for i in range(100_000):
            m.record("standard", True, (i % 1000) / 1000)
        assert before == sys.getsizeof(m._groups["standard"].histogram)

    def test_retries_429s_waits_cache(self) -> None:
        """Retries, 429s, waiting time and cache lookups are counted per group and overall."""
        m = Metrics()
        m.record_retry("create_run", rate_limited=True)
        m.record("create_run", True, 0.2)
        m.record_wait("create_run", 1.5)
        m.record_cache("standard", hit=True)
        m.record_cache("standard", hit=True)
        m.record_cache("standard", hit=False)
        m.record("standard", True, 0.1)
        stats = m.snapshot()
        assert (1, 1, 1.5) == (stats.retries, stats.rate_limited, stats.time_waiting_for_rate_limit)
        assert (2, 1) == (stats.cache_hits, stats.cache_misses)
        assert pytest.approx(2 / 3) == stats.cache_hit_rate
        assert 1.5 == stats.by_group["create_run"].time_waiting_for_rate_limit
        assert 2 == stats.total_requests

    def test_reset(self) -> None:
        """``reset()`` sets every counter back to zero."""
        m = Metrics()
        m.record("standard", False, 0.1)
        m.record_wait("standard", 1.0)
        m.reset()
        stats = m.snapshot()
        assert (0, 0.0, 0.0, {}) == (
            stats.total_requests,
            stats.time_waiting_for_rate_limit,
            stats.p99,
            stats.by_group,
        )

    def test_overrides_and_dict(self) -> None:
        """Figures passed to ``snapshot`` win; ``dict()`` is JSON-able."""
        m = Metrics()
        m.record("logs", True, 0.05)
        stats = m.snapshot(time_waiting=2.0, cache_hit_rate=0.5)
        assert (2.0, 0.5) == (stats.time_waiting_for_rate_limit, stats.cache_hit_rate)
        data = json.loads(json.dumps(stats.dict()))
        assert 1 == data["by_group"]["logs"]["total_requests"]
