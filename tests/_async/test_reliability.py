"""Under injected faults a bulk job loses nothing and duplicates nothing.

A 500-input version of ``benchmarks/soak.py``: the emulator answers 10% of requests
500/502/503, drops 3% of connections before acting and 2% after acting, sends 1%
malformed bodies, 429 bursts and latency spikes, with its documented rate limits on a
clock sped up 1000 times. The client's results are reconciled with the emulator's
record of every create request.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from benchmarks.soak import FAULTS, GRACE, client_config, prompt_for, reconcile
from codegen_async import AsyncCodegenClient, DecodeError, OutcomeUnknownError
from codegen_async.emulator import Emulator, FaultConfig

TIME_SCALE = 0.001


def _client(emulator: Emulator) -> AsyncCodegenClient:
    config = client_config(emulator.url, emulator.token, emulator.org_id, TIME_SCALE)
    return AsyncCodegenClient(config)


@pytest.mark.slow
async def test_bulk_job_under_faults_loses_and_duplicates_nothing(
    codegen_emulator_factory: Callable[..., Emulator],
) -> None:
    """500 creates at concurrency 100 under faults: 0 duplicates, 0 lost, causes given."""
    emulator = codegen_emulator_factory(time_scale=TIME_SCALE, faults=FAULTS, seed=11)
    configs = [{"prompt": prompt_for(i)} for i in range(500)]
    async with _client(emulator) as client:
        bulk = client.bulk_operations(max_concurrent=100, reconcile_grace=GRACE)
        results = await bulk.create_agent_runs(None, configs)
        ids = [r.data.id for r in results if r.success and r.data is not None]
        final = await client.wait_for_all(None, ids, timeout=120.0)
    table = reconcile(results, list(emulator.accounting.creates))
    assert (0, 0, 0) == (table.duplicates, table.lost, table.failed_but_created)
    # The audit, which makes the summary, says what the emulator holds.
    assert bulk.audit is not None and bulk.audit.ok
    assert table.runs_created == len(bulk.audit.created_once)
    assert 500 == table.inputs
    assert table.runs_created == len(ids) == 500 - table.reported_failed - table.reported_unknown
    assert all(r.error is not None for r in results if not r.success)
    # The faults did happen, including the ones that leave the outcome unknown.
    for fault in ("error", "drop_before", "drop_after", "late"):
        assert table.create_faults.get(fault, 0) > 0, table.create_faults
    assert table.reported_reconciled > 0
    assert all(run.is_terminal or run.is_paused for run in final.values())
    assert set(ids) == set(final)


async def test_unknown_outcomes_are_found_not_resent(
    codegen_emulator_factory: Callable[..., Emulator],
) -> None:
    """Creates acted on but never answered end "reconciled" with their run; none is resent."""
    faults = FaultConfig(drop_after_rate=1.0, endpoints=frozenset({"create_agent_run"}))
    emulator = codegen_emulator_factory(time_scale=TIME_SCALE, faults=faults, rate_limits="off")
    configs = [{"prompt": prompt_for(i)} for i in range(20)]
    async with _client(emulator) as client:
        results = await client.bulk_create_agent_runs(None, configs, 10)
    assert ["reconciled"] * 20 == [r.status for r in results]
    creates = emulator.accounting.creates
    assert 20 == len(creates) == sum(1 for c in creates if c.created)
    by_prompt = {c.prompt: c.run_id for c in creates}
    assert all(by_prompt[prompt_for(r.index)] == r.data.id for r in results if r.data)


async def test_a_single_create_with_unknown_outcome_is_not_retried(
    codegen_emulator_factory: Callable[..., Emulator],
) -> None:
    """create_agent_run raises OutcomeUnknownError after a drop-after; one request, one run."""
    faults = FaultConfig(drop_after_rate=1.0, endpoints=frozenset({"create_agent_run"}))
    emulator = codegen_emulator_factory(time_scale=TIME_SCALE, faults=faults, rate_limits="off")
    async with _client(emulator) as client:
        with pytest.raises(OutcomeUnknownError) as info:
            await client.create_agent_run(prompt="once")
    assert info.value.request_sent
    assert [(True, "drop_after")] == [(c.created, c.fault) for c in emulator.accounting.creates]


@pytest.mark.slow
async def test_server_errors_on_create_end_created_or_reported(
    codegen_emulator_factory: Callable[..., Emulator],
) -> None:
    """With half the creates answered 500 (not acted on), each input ends created once or
    is reported with its cause; no input gets two runs."""
    faults = FaultConfig(
        error_rate=0.5, error_statuses=(500,), endpoints=frozenset({"create_agent_run"})
    )
    emulator = codegen_emulator_factory(time_scale=TIME_SCALE, faults=faults, rate_limits="off")
    configs = [{"prompt": prompt_for(i)} for i in range(40)]
    async with _client(emulator) as client:
        results = await client.bulk_create_agent_runs(None, configs, 10)
    table = reconcile(results, list(emulator.accounting.creates))
    assert (0, 0, 0) == (table.duplicates, table.lost, table.failed_but_created)
    assert table.runs_created + table.reported_unknown + table.reported_failed == 40
    assert all("ServerError" in cause for cause in table.failures_by_cause)


@pytest.mark.slow
async def test_a_malformed_list_page_does_not_abort_the_job(
    codegen_emulator_factory: Callable[..., Emulator],
) -> None:
    """Creates and list pages all answered with garbage: every input ends "unknown" with
    its cause (the job returns), and no create is sent twice."""
    faults = FaultConfig(
        malformed_rate=1.0, endpoints=frozenset({"create_agent_run", "list_agent_runs"})
    )
    emulator = codegen_emulator_factory(time_scale=TIME_SCALE, faults=faults, rate_limits="off")
    configs = [{"prompt": prompt_for(i)} for i in range(5)]
    async with _client(emulator) as client:
        results = await client.bulk_create_agent_runs(None, configs, 1)
    assert ["unknown"] * 5 == [r.status for r in results]
    # Unknown because the runs could not be searched; the create's own error is the cause.
    assert all(isinstance(r.error, OutcomeUnknownError) for r in results)
    assert all(r.error is not None and isinstance(r.error.__cause__, DecodeError) for r in results)
    assert 5 == len(emulator.accounting.creates)
