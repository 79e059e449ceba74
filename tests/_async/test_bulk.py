"""The bulk runner: order, completeness and exactly-once creates, under injected faults."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from codegen_async import (
    AgentRun,
    AsyncBulkOperations,
    AsyncCodegenClient,
    NotFoundError,
    PaymentRequiredError,
    ValidationError,
)
from codegen_async._bulk._types import MARKER_KEY, BulkProgress, BulkResult, marker_of
from codegen_async.emulator import Emulator, FaultConfig

from .conftest import config_for

QUICK = {"emulator": {"outcome": "COMPLETE", "duration": 1.0}}


def created_prompts(emulator: Emulator) -> Counter[str]:
    """How many runs the emulator created per prompt (its own accounting)."""
    return Counter(r.prompt for r in emulator.accounting.creates if r.created and r.prompt)


class TestCreateAgentRuns:
    async def test_results_in_input_order(
        self, client: AsyncCodegenClient, emulator: Emulator
    ) -> None:
        """One result per config, in input order, each with its own run and its index."""
        configs = [{"prompt": f"task {i}", "metadata": QUICK} for i in range(12)]
        async with client.bulk_operations() as bulk:
            results = await bulk.create_agent_runs(None, configs, max_concurrent=4)
        assert list(range(12)) == [r.index for r in results]
        assert all(r.success and r.status == "created" and r.attempts == 1 for r in results)
        by_prompt = {r.prompt: r.run_id for r in emulator.accounting.creates if r.created}
        assert [by_prompt[f"task {i}"] for i in range(12)] == [
            r.data.id for r in results if r.data is not None
        ]

    async def test_marker_attached_and_user_metadata_kept(self, client: AsyncCodegenClient) -> None:
        """Each run carries the job's marker beside the caller's own metadata."""
        configs = [{"prompt": "a", "metadata": {"team": "x", **QUICK}}]
        bulk = client.bulk_operations()
        [result] = await bulk.create_agent_runs(None, configs, job_id="job-1")
        assert result.data is not None and result.data.metadata is not None
        assert "x" == result.data.metadata["team"]
        assert ("job-1", result.key) == marker_of(result.data)

    @pytest.mark.slow
    async def test_every_item_created_exactly_once_under_faults(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """5xx, dropped connections (before and after acting) and garbled bodies: every
        config ends with a run, and the emulator created exactly one run per config."""
        faults = FaultConfig(
            error_rate=0.12,
            drop_before_rate=0.05,
            drop_after_rate=0.05,
            malformed_rate=0.03,
            endpoints=frozenset({"create_agent_run"}),
        )
        emulator = codegen_emulator_factory(
            time_scale=0.01, rate_limits="off", faults=faults, seed=7
        )
        configs = [{"prompt": f"item {i}"} for i in range(150)]
        async with AsyncCodegenClient(config_for(emulator)) as client:
            results = await client.bulk_create_agent_runs(None, configs, max_concurrent=10)
        statuses = Counter(r.status for r in results)
        assert list(range(150)) == [r.index for r in results]
        assert 150 == statuses["created"] + statuses["reconciled"]
        assert statuses["reconciled"] > 0  # some outcomes were unknown and looked up
        assert {f"item {i}": 1 for i in range(150)} == dict(created_prompts(emulator))
        by_prompt = {r.prompt: r.run_id for r in emulator.accounting.creates if r.created}
        assert [by_prompt[f"item {i}"] for i in range(150)] == [
            r.data.id for r in results if r.data is not None
        ]

    async def test_failure_is_a_result_not_an_exception(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """A plan quota reached half-way fails the rest as results; siblings keep theirs."""
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", plan_quota=3)
        configs = [{"prompt": f"p{i}"} for i in range(6)]
        async with AsyncCodegenClient(config_for(emulator)) as client:
            results = await client.bulk_create_agent_runs(None, configs, max_concurrent=1)
        assert ["created"] * 3 + ["failed"] * 3 == [r.status for r in results]
        assert all(isinstance(r.error, PaymentRequiredError) for r in results[3:])
        assert 1 == results[4].attempts

    async def test_invalid_configs_fail_without_a_request(
        self, client: AsyncCodegenClient, emulator: Emulator
    ) -> None:
        """Bad configs become failed results with ValidationError; nothing is sent for them."""
        configs: list[dict[str, object]] = [
            {"prompt": ""},
            {"prompt": "ok", "colour": "red"},
            {"prompt": "ok", "metadata": "not a dict"},
            {"prompt": "fine"},
        ]
        results = await client.bulk_create_agent_runs(None, configs)
        assert ["failed", "failed", "failed", "created"] == [r.status for r in results]
        assert all(isinstance(r.error, ValidationError) for r in results[:3])
        assert 1 == emulator.accounting.total("requests", endpoint="create_agent_run")

    async def test_bad_arguments_raise_before_any_request(
        self, client: AsyncCodegenClient, emulator: Emulator
    ) -> None:
        """A non-list of configs or a bad max_concurrent is a ValidationError up front."""
        with pytest.raises(ValidationError):
            await client.bulk_create_agent_runs(None, {"prompt": "x"})  # type: ignore[dict-item]
        with pytest.raises(ValidationError):
            await client.bulk_create_agent_runs(None, [{"prompt": "x"}], max_concurrent=0)
        assert 0 == emulator.accounting.total("requests")

    async def test_progress_reports_every_item(self, client: AsyncCodegenClient) -> None:
        """on_progress sees each result; the last snapshot counts them all."""
        seen: list[BulkProgress] = []
        results = await client.bulk_create_agent_runs(
            None, [{"prompt": f"t{i}"} for i in range(5)], on_progress=seen.append
        )
        assert 5 == len(results) == len(seen)
        assert (5, 5, 0, 0) == (seen[-1].total, seen[-1].done, seen[-1].failed, seen[-1].unknown)
        assert seen[-1].eta == 0.0

    async def test_previous_created_items_are_not_sent_again(
        self, client: AsyncCodegenClient, emulator: Emulator
    ) -> None:
        """Resuming a job keeps the items it already created and sends only the rest."""
        configs = [{"prompt": f"r{i}"} for i in range(4)]
        bulk = client.bulk_operations()
        first = await bulk.create_agent_runs(None, configs[:2] + [{"prompt": ""}] * 2)
        previous = {r.index: r for r in first}
        again = await bulk.create_agent_runs(None, configs, job_id=bulk.job_id, previous=previous)
        assert ["created"] * 4 == [r.status for r in again]
        assert [first[0].data, first[1].data] == [again[0].data, again[1].data]
        assert {"r0": 1, "r1": 1, "r2": 1, "r3": 1} == dict(created_prompts(emulator))

    @pytest.mark.slow
    async def test_unknown_previous_item_is_looked_up_not_resent(
        self, client: AsyncCodegenClient, emulator: Emulator
    ) -> None:
        """An item whose create outcome was unknown is found by its marker, not sent again."""
        configs = [{"prompt": "lost answer"}, {"prompt": "never sent"}]
        bulk = client.bulk_operations()
        [done] = await bulk.create_agent_runs(None, configs[:1], job_id="job-u")
        previous = {
            0: BulkResult(0, "unknown", key=done.key),
            1: BulkResult(1, "unknown"),
        }
        results = await bulk.create_agent_runs(None, configs, job_id="job-u", previous=previous)
        assert ["reconciled", "created"] == [r.status for r in results]
        assert done.data is not None and results[0].data is not None
        assert done.data.id == results[0].data.id
        assert {"lost answer": 1, "never sent": 1} == dict(created_prompts(emulator))

    async def test_unknown_items_stay_unknown_without_reconcile(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """reconcile=False, audit=False reports outcome-unknown items as such; the audit
        alone (no resend) still finds the run a lost answer hid."""
        faults = FaultConfig(drop_after_rate=1.0, endpoints=frozenset({"create_agent_run"}))
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", faults=faults)
        async with AsyncCodegenClient(config_for(emulator)) as client:
            [result] = await client.bulk_create_agent_runs(
                None, [{"prompt": "x"}], reconcile=False, audit=False
            )
            assert "unknown" == result.status
            assert result.outcome_unknown and not result.success
            [audited] = await client.bulk_create_agent_runs(
                None, [{"prompt": "y"}], reconcile=False
            )
            assert "reconciled" == audited.status
        assert 2 == sum(r.created for r in emulator.accounting.creates)


class TestGetAndResume:
    async def test_get_many_in_order_with_failures_as_results(
        self, client: AsyncCodegenClient
    ) -> None:
        """Bulk get returns each run in order; a missing or invalid id is a failed result."""
        run = await client.create_agent_run(prompt="x", metadata=QUICK)
        results = await client.bulk_get_agent_runs(None, [run.id, 999_999, -1])
        assert ["succeeded", "failed", "failed"] == [r.status for r in results]
        assert isinstance(results[0].data, AgentRun) and run.id == results[0].data.id
        assert isinstance(results[1].error, NotFoundError)
        assert isinstance(results[2].error, ValidationError)

    async def test_resume_many(self, client: AsyncCodegenClient) -> None:
        """Bulk resume sends each follow-up once and returns the resumed runs."""
        steer = {"emulator": {"outcome": "PAUSED", "duration": 0.0}}
        runs = [await client.create_agent_run(prompt=f"p{i}", metadata=steer) for i in range(3)]
        items = [(run.id, "here are the details") for run in runs] + [("bad", "x")]
        results = await client.bulk_resume_agent_runs(None, items)  # type: ignore[arg-type]
        assert ["succeeded"] * 3 + ["failed"] == [r.status for r in results]
        assert [run.id for run in runs] == [r.data.id for r in results[:3] if r.data]


def test_marker_key_is_reserved() -> None:
    """The marker lives under one documented metadata key."""
    assert "codegen_client" == MARKER_KEY


class TestClientSettings:
    async def test_bulk_operations_passes_on_only_what_is_given(
        self, client: AsyncCodegenClient
    ) -> None:
        """Settings given to bulk_operations reach the runner; the rest keep its defaults."""
        default = AsyncBulkOperations(client)
        bulk = client.bulk_operations(max_attempts=7, resend_unknown=True, reconcile_grace=None)
        assert (7, True) == (bulk.max_attempts, bulk.resend_unknown)
        assert (
            default.max_concurrent,
            default.reconcile_rounds,
            default.reconcile_grace,
            default.clock_skew,
        ) == (bulk.max_concurrent, bulk.reconcile_rounds, bulk.reconcile_grace, bulk.clock_skew)

    async def test_bad_settings_fail_before_any_request(self, client: AsyncCodegenClient) -> None:
        """A bad max_concurrent of a bulk helper is a ValidationError, and nothing is sent."""
        with pytest.raises(ValidationError, match="max_concurrent"):
            await client.bulk_get_agent_runs(None, [1], 0)
        with pytest.raises(ValidationError, match="max_concurrent"):
            await client.bulk_resume_agent_runs(None, [(1, "go on")], max_concurrent=-1)
        assert 0 == client.get_stats().total_requests
