"""Client-side rate limiting against the emulator's real limits, 100 times faster.

At ``time_scale=0.01`` the emulator allows 60 standard requests per 0.3 s and 10 run
creations per 0.6 s; the client is given the same documented limits in wall seconds.
The emulator's accounting counts 429s server-side.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

import pytest

from codegen_async import AsyncCodegenClient, CodegenConfig, RateLimitError
from codegen_async._http._backend import gather_bounded, monotonic, sleep
from codegen_async.config import DEFAULT_RATE_LIMITS
from codegen_async.emulator import LIMITS, OPERATIONS, Emulator

SCALE = 0.01
SLOW = 0.05  # 60 per 1.5 s: room for a loaded machine to use up a window inside one
QUICK = {"emulator": {"outcome": "COMPLETE", "duration": 5.0}}
# The emulator names one group differently; the limits are the same (the documented ones).
EMULATOR_GROUP = {"analyze_logs": "log_analysis"}


def scaled(
    limits: dict[str, tuple[int, float]] | None = None, scale: float = SCALE
) -> dict[str, tuple[int, float]]:
    """The documented limits with windows in wall seconds at ``scale``."""
    base = {**DEFAULT_RATE_LIMITS, **(limits or {})}
    return {g: (n, w * scale) for g, (n, w) in base.items()}


def job_config(emulator: Emulator, **overrides: Any) -> CodegenConfig:
    settings: dict[str, Any] = {
        "base_url": emulator.url,
        "api_token": emulator.token,
        "org_id": emulator.org_id,
        "rate_limits": scaled(),
        "max_retries": 5,
        "retry_backoff_factor": 0.01,
        "retry_max_delay": 0.2,
    }
    settings.update(overrides)
    return CodegenConfig(**settings)


async def run_job(
    client: AsyncCodegenClient, gets: int = 500, creates: int = 50, concurrency: int = 50
) -> tuple[list[Any], float]:
    """GET one run ``gets`` times and create ``creates`` runs, shuffled, concurrently."""
    seed = await client.create_agent_run(prompt="seed", metadata=QUICK)
    jobs: list[Callable[[], Any]] = [
        lambda: client.get_agent_run(run_id=seed.id, cache=False) for _ in range(gets)
    ]
    jobs += [lambda: client.create_agent_run(prompt="job", metadata=QUICK) for _ in range(creates)]
    random.Random(4).shuffle(jobs)
    started = monotonic()
    results = await gather_bounded(jobs, concurrency)
    return results, monotonic() - started


class TestNoRateLimitErrors:
    @pytest.mark.parametrize("strategy", ["sliding_window", "leaky_bucket"])
    async def test_job_gets_no_429(
        self, codegen_emulator_factory: Callable[..., Emulator], strategy: str
    ) -> None:
        """500 GETs and 50 creates at concurrency 50 draw not one 429, and keep pace."""
        emulator = codegen_emulator_factory(time_scale=SCALE, rate_limits="on")
        async with AsyncCodegenClient(job_config(emulator, rate_limit_strategy=strategy)) as client:
            results, elapsed = await run_job(client)
            stats = client.get_stats()
        assert 550 == len(results)
        assert 0 == emulator.accounting.total("rate_limited")
        assert (551, 0, 0) == (stats.total_requests, stats.rate_limited, stats.retries)
        # 50 creates at 10 per 0.6 s need 4 windows (2.4 s), so never less; the upper bound
        # (10 times that) only proves no hang. Pace is measured by the utilisation benchmark.
        assert 2.3 < elapsed < 24.0

    async def test_overall_cap_is_a_window_too(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """The overall cap holds in every window: a server allowing exactly that many
        standard requests per window answers no 429."""
        emulator = codegen_emulator_factory(time_scale=SCALE, rate_limits=1 / 3)  # 20 / 0.3 s
        config = job_config(
            emulator,
            rate_limits=scaled({"standard": (1000, 30.0)}),
            rate_limit_requests=20,
            rate_limit_window=30.0 * SCALE,
        )
        async with AsyncCodegenClient(config) as client:
            results, elapsed = await run_job(client, gets=100, creates=0, concurrency=30)
            status = client.get_rate_limit_status()
        assert 100 == len(results)
        assert 0 == emulator.accounting.total("rate_limited")
        assert elapsed > 4 * 0.3  # 101 requests at 20 per window: five windows
        assert (20, status.overall) == (status.limit, status.overall)


class TestAdaptive:
    async def test_learns_unknown_lower_limits(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """Server limits at half the documented ones, the client told nothing: the job
        completes, under 2% of requests draw a 429, and the learned limits are reported."""
        emulator = codegen_emulator_factory(time_scale=SCALE, rate_limits=0.5)
        config = job_config(emulator, adaptive_rate_limit=True)
        async with AsyncCodegenClient(config) as client:
            results, _ = await run_job(client)
            status = client.get_rate_limit_status()
        assert 550 == len(results)
        requests = emulator.accounting.total("requests")
        rate_limited = emulator.accounting.total("rate_limited")
        assert rate_limited / requests < 0.02
        standard, create = status.groups["standard"], status.groups["create_run"]
        assert (True, True) == (standard.learned, create.learned)
        assert standard.limit <= 31
        assert create.limit <= 6
        assert {"standard", "create_run"} <= set(status.learned_limits)
        assert rate_limited == status.rate_limited


class TestGroupCooldown:
    async def _overshoot(self, client: AsyncCodegenClient, run_id: int) -> RateLimitError:
        """Use up the server's standard window, then draw one 429 (no retry)."""
        jobs = [lambda: client.get_agent_run(run_id=run_id, cache=False) for _ in range(60)]
        await gather_bounded(jobs, 20)
        with pytest.raises(RateLimitError) as info:
            await client.get_agent_run(run_id=run_id, cache=False, max_retries=0)
        return info.value

    @pytest.mark.parametrize("retry_after", [True, False])
    async def test_whole_group_waits_after_429(
        self, codegen_emulator_factory: Callable[..., Emulator], retry_after: bool
    ) -> None:
        """After a 429 the next request of the group waits (for Retry-After when sent,
        else until the window frees a slot) instead of drawing another 429; other
        groups do not wait."""
        emulator = codegen_emulator_factory(
            time_scale=SLOW, rate_limits="on", retry_after=retry_after
        )
        # The client believes in a higher standard limit than the server's 60. The server's
        # Retry-After is honoured up to retry_max_delay: room enough for it here.
        config = job_config(
            emulator, rate_limits=scaled({"standard": (200, 30.0)}, SLOW), retry_max_delay=30.0
        )
        async with AsyncCodegenClient(config) as client:
            seed = await client.create_agent_run(prompt="seed", metadata=QUICK)
            error = await self._overshoot(client, seed.id)
            status = client.get_rate_limit_status()
            started = monotonic()
            await client.create_agent_run(prompt="other group", metadata=QUICK)
            other_group = client.get_rate_limit_status().groups["create_run"].time_waiting
            await client.get_agent_run(run_id=seed.id, cache=False)
            same_group = monotonic() - started
        assert 1 == emulator.accounting.total("rate_limited")
        standard = status.groups["standard"]
        assert (0, 1) == (standard.remaining, standard.rate_limited)
        assert standard.reset_in > 0
        assert 9 == status.groups["create_run"].remaining
        assert 0.0 == other_group  # the create never waited for a slot
        if retry_after:
            assert error.retry_after is not None
            assert error.retry_after >= 1.0
            assert same_group >= error.retry_after - 0.05
        else:
            # No Retry-After: the error carries the client's own estimate (>= 1 s).
            assert error.retry_after is not None and 1.0 <= error.retry_after <= 1.6
            assert 0.05 < same_group < 1.6  # until the oldest request leaves the 1.5 s window

    async def test_waiting_task_holds_no_connection(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """With one pooled connection, a create waiting for its limiter does not block a
        GET of another group."""
        emulator = codegen_emulator_factory(time_scale=SCALE, rate_limits="off")
        config = job_config(
            emulator, max_connections=1, rate_limits={"create_run": (1, 1.0)}, max_retries=0
        )
        finished: list[str] = []
        async with AsyncCodegenClient(config) as client:
            first = await client.create_agent_run(prompt="takes the slot", metadata=QUICK)

            async def create() -> None:
                await client.create_agent_run(prompt="waits a second", metadata=QUICK)
                finished.append("create")

            async def get() -> None:
                await sleep(0.05)  # let the create reach its limiter first
                await client.get_agent_run(run_id=first.id)
                finished.append("get")

            await gather_bounded([create, get], 2)
        # The GET is answered while the create still waits for its slot (a second).
        assert ["get", "create"] == finished


class TestStatus:
    def test_client_groups_match_the_emulator(self) -> None:
        """Every group the emulator limits exists on the client with the same limit."""
        for op in OPERATIONS:
            if op.group is not None:
                group = EMULATOR_GROUP.get(op.group, op.group)
                assert LIMITS[op.group] == DEFAULT_RATE_LIMITS[group], op.name

    async def test_methods_count_in_their_groups(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """Each method counts in the group the emulator (and the API documentation) puts it in."""
        emulator = codegen_emulator_factory(time_scale=SCALE, rate_limits="off")
        async with AsyncCodegenClient(job_config(emulator)) as client:
            run = await client.create_agent_run(prompt="[emulator:complete]", metadata=QUICK)
            calls: dict[str, Callable[[], Any]] = {
                "get_agent_run": lambda: client.get_agent_run(run_id=run.id),
                "list_agent_runs": client.get_agent_runs,
                "create_agent_run": lambda: client.create_agent_run(prompt="x"),
                "get_agent_run_logs": lambda: client.get_agent_run_logs(run_id=run.id),
                "get_organizations": client.get_organizations,
                "get_current_user": client.get_current_user,
                "get_repositories": client.get_repositories,
                "get_cli_rules": client.get_cli_rules,
                "generate_setup_commands": lambda: client.generate_setup_commands(
                    repo_id=101, prompt="deps"
                ),
                "analyze_sandbox_logs": lambda: client.analyze_sandbox_logs(sandbox_id=1),
            }
            seen = {}
            for name, call in calls.items():
                client.reset_stats()
                await call()
                seen[name] = set(client.get_stats().by_group)
        expected = {
            op.name: {EMULATOR_GROUP.get(op.group or "", op.group or "")}
            for op in OPERATIONS
            if op.name in calls
        }
        assert expected == seen

    async def test_status_shape(self, codegen_emulator_factory: Callable[..., Emulator]) -> None:
        """Status has limit, remaining, reset time and waiting time per group and overall,
        as attributes and as JSON-able data."""
        emulator = codegen_emulator_factory(time_scale=SCALE, rate_limits="off")
        config = job_config(emulator, rate_limit_requests=3, rate_limit_window=0.2)
        async with AsyncCodegenClient(config) as client:
            before = client.get_rate_limit_status()
            for _ in range(3):
                await client.get_current_user()
            full = client.get_rate_limit_status()
            await client.get_current_user()  # waits for the overall window
            after = client.get_rate_limit_status()
        assert (3, 3, 0.0) == (before.limit, before.remaining, before.reset_in)
        assert (0, 0.0) == (full.remaining, full.time_waiting)
        assert 0 < full.reset_in <= 0.2
        assert full.reset_time == pytest.approx(time.time() + full.reset_in, abs=0.5)
        assert after.time_waiting > 0.0  # the fourth call waited, however briefly
        assert after.groups["standard"].time_waiting == after.time_waiting
        data = json.loads(json.dumps(after.dict()))
        assert {"limit", "remaining", "reset_time", "time_waiting", "groups"} <= set(data)
        assert set(DEFAULT_RATE_LIMITS) == set(data["groups"])
        assert 3 == data["overall"]["limit"]

    async def test_none_strategy_never_waits(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """``rate_limit_strategy="none"`` sends at once however tight the limits."""
        emulator = codegen_emulator_factory(time_scale=SCALE, rate_limits="off")
        config = job_config(
            emulator, rate_limit_strategy="none", rate_limits={"standard": (1, 60.0)}
        )
        async with AsyncCodegenClient(config) as client:
            for _ in range(5):
                await client.get_current_user()
            status = client.get_rate_limit_status()
        assert ("none", 0.0, 1) == (status.strategy, status.time_waiting, status.remaining)
