"""Request metrics of a client against the emulator: counts, 429s, waits, percentiles."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from codegen_async import AsyncCodegenClient, NotFoundError
from codegen_async._http._backend import gather_bounded
from codegen_async.config import DEFAULT_RATE_LIMITS
from codegen_async.emulator import Emulator

from .conftest import config_for

SCALE = 0.01


class TestCounts:
    async def test_success_and_failure(self, client: AsyncCodegenClient) -> None:
        """Three successes and a 404: totals, rates and the per-group split add up."""
        run = await client.create_agent_run(prompt="p")
        await client.get_agent_run(run_id=run.id)
        await client.get_current_user()
        with pytest.raises(NotFoundError):
            await client.get_agent_run(run_id=999_999)
        stats = client.get_stats()
        assert (4, 3, 1) == (
            stats.total_requests,
            stats.successful_requests,
            stats.failed_requests,
        )
        assert (0.75, 0.25) == (stats.success_rate, stats.error_rate)
        assert {"create_run", "standard"} == set(stats.by_group)
        assert (3, 1) == (
            stats.by_group["standard"].total_requests,
            stats.by_group["standard"].failed_requests,
        )
        assert 0 < stats.p50 <= stats.p95 <= stats.p99
        assert stats.avg_response_time > 0

    async def test_reset_stats(self, client: AsyncCodegenClient) -> None:
        """``reset_stats()`` starts counting from zero."""
        await client.get_current_user()
        client.reset_stats()
        stats = client.get_stats()
        assert (0, 0.0, {}) == (stats.total_requests, stats.p99, stats.by_group)
        await client.get_current_user()
        assert 1 == client.get_stats().total_requests

    async def test_stats_are_plain_data(self, client: AsyncCodegenClient) -> None:
        """``get_stats().dict()`` is JSON-able, groups included."""
        await client.get_current_user()
        data = json.loads(json.dumps(client.get_stats().dict()))
        assert 1 == data["by_group"]["standard"]["total_requests"]
        assert {"p50", "p95", "p99", "retries", "rate_limited", "cache_hit_rate"} <= set(data)


class TestRateLimitFigures:
    async def test_429s_retries_and_waits(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """429s received and retries match what the server sent; limiter waits are
        reported apart from response times."""
        emulator = codegen_emulator_factory(time_scale=SCALE, rate_limits="on")
        # The client believes in a higher standard limit than the server's 60 per 0.3 s.
        limits: dict[str, Any] = {g: (n, w * SCALE) for g, (n, w) in DEFAULT_RATE_LIMITS.items()}
        limits["standard"] = (100, 0.3)
        config = config_for(
            emulator,
            rate_limit_strategy="sliding_window",
            rate_limits=limits,
            max_retries=5,
        )
        async with AsyncCodegenClient(config) as client:
            jobs = [client.get_current_user for _ in range(150)]
            await gather_bounded(jobs, 25)
            stats = client.get_stats()
            status = client.get_rate_limit_status()
        server_429s = emulator.accounting.total("rate_limited")
        assert server_429s > 0
        assert (150, 150) == (stats.total_requests, stats.successful_requests)
        assert (server_429s, server_429s) == (stats.rate_limited, stats.retries)
        assert server_429s == status.groups["standard"].rate_limited
        assert stats.time_waiting_for_rate_limit > 0.2
        assert stats.time_waiting_for_rate_limit == pytest.approx(status.time_waiting)
        assert stats.by_group["standard"].time_waiting_for_rate_limit > 0.2
        assert stats.p99 < 0.2  # pacing is not counted as response time
