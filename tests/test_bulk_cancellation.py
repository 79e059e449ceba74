"""Cancelling a bulk job (async only; the sync twin's interruption is Ctrl-C: see tests/cli)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable

import pytest

from codegen_async import AsyncCodegenClient
from codegen_async._bulk._types import BulkResult
from codegen_async.emulator import Emulator, FaultConfig
from tests._async.conftest import config_for


@pytest.mark.slow
async def test_cancel_mid_job_loses_nothing_and_leaves_nothing_running(
    codegen_emulator_factory: Callable[..., Emulator],
) -> None:
    """Cancelled half-way: the error propagates, every item has a result (in-flight ones
    "unknown", unsent ones "cancelled"), no task or thread is left, and resuming with those
    results ends with exactly one run per item."""
    faults = FaultConfig(latency=0.05, endpoints=frozenset({"create_agent_run"}))
    emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", faults=faults)
    configs = [{"prompt": f"c{i}"} for i in range(40)]
    threads_before = set(threading.enumerate())
    async with AsyncCodegenClient(config_for(emulator)) as client:
        bulk = client.bulk_operations(max_concurrent=4)
        eight_done = asyncio.Event()

        def on_result(result: BulkResult) -> None:
            if result.index >= 0 and sum(r.status == "created" for r in bulk_results) >= 7:
                eight_done.set()
            bulk_results.append(result)

        bulk_results: list[BulkResult] = []
        task = asyncio.ensure_future(bulk.create_agent_runs(None, configs, on_result=on_result))
        await asyncio.wait_for(eight_done.wait(), timeout=30)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        else:  # pragma: no cover
            raise AssertionError("the cancellation was swallowed")
        partial = bulk.results
        assert list(range(40)) == [r.index for r in partial]
        statuses = Counter(r.status for r in partial)
        assert statuses["cancelled"] > 0
        assert set(statuses) <= {"created", "unknown", "cancelled"}
        assert {asyncio.current_task()} == asyncio.all_tasks()
        # Everything the server created is accounted for: as created, or as unknown.
        server_ids = {r.run_id for r in emulator.accounting.creates if r.created}
        created_ids = {r.data.id for r in partial if r.data is not None}
        assert created_ids <= server_ids
        assert len(server_ids - created_ids) <= statuses["unknown"]
        # Resuming settles every item with exactly one run each.
        previous = {r.index: r for r in partial}
        final = await bulk.create_agent_runs(None, configs, job_id=bulk.job_id, previous=previous)
    assert {"created", "reconciled"} >= {r.status for r in final}
    per_prompt = Counter(r.prompt for r in emulator.accounting.creates if r.created)
    assert {f"c{i}": 1 for i in range(40)} == dict(per_prompt)
    assert threads_before >= set(threading.enumerate())
