"""Exactly once for the shared bulk job when Redis or a worker misbehaves.

Real redis-server processes (killed, restarted empty or from their append-only file),
real worker processes (SIGKILLed, SIGSTOPped past their lease) and the emulator's
accounting of every create it received: zero duplicates is counted, not assumed.
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from codegen_async import AsyncCodegenClient
from codegen_async._bulk._types import config_key
from codegen_async.emulator import Emulator
from codegen_async.errors import LedgerLostError, ValidationError
from codegen_async.scale import AsyncSharedBulkJob, CoordinationError
from codegen_sync import CodegenClient
from codegen_sync.scale import SharedBulkJob
from tests.redis import harness as h
from tests.redis.conftest import RedisServer, free_port
from tests.redis.worker import scaled_limits, worker_config


@pytest.fixture
def slow_emulator() -> Iterator[str]:
    """An emulator process at time scale 0.02: 10 creates per 1.2 s."""
    with h.emulator_process(0.02, port=free_port()) as url:
        yield url


def _sync_job(emulator_url: str, redis_url: str, job_id: str, scale: float) -> Any:
    client = CodegenClient(worker_config(emulator_url, redis_url, scale))
    return client, SharedBulkJob(client, job_id, reconcile_grace=1.0)


def _created_per_prompt(emulator_url: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for c in h.accounting(emulator_url)["creates"]:
        if c["created"]:
            counts[c["prompt"]] = counts.get(c["prompt"], 0) + 1
    return counts


class TestLedgerLoss:
    def test_wiped_ledger_stops_workers_then_recover_creates_the_rest_once(
        self, own_redis: RedisServer, slow_emulator: str
    ) -> None:
        """redis-server SIGKILLed and restarted empty mid-job: the workers stop with
        LedgerLostError (not a fresh job); recover() then new workers finish; every
        input was created exactly once (emulator's accounting), and the audit agrees."""
        n, scale = 40, 0.02
        configs = h.prompts(n, "wiped")
        client, job = _sync_job(slow_emulator, own_redis.url, "wiped", scale)
        with client, job:
            origin = job.submit(configs)
            procs = [
                h.start_worker(slow_emulator, own_redis.url, "wiped", scale, lease=1.0)
                for _ in range(2)
            ]
            assert h.wait_until(lambda: len(_created_per_prompt(slow_emulator)) >= 12, 30)
            own_redis.stop()  # SIGKILL: nothing is saved
            own_redis.restart()  # empty
            outs = [h.finish(p, 60) for p in procs]
            assert [3, 3] == [rc for rc, _, _ in outs], [err[-800:] for _, _, err in outs]
            assert all("lost" in json.loads(out) for _, out, _ in outs)
            before = _created_per_prompt(slow_emulator)
            assert [] == [p for p, k in before.items() if k > 1]
            assert len(before) < n

            found = job.recover(configs, origin=origin)
            assert len(before) == found
            procs = [
                h.start_worker(slow_emulator, own_redis.url, "wiped", scale, lease=1.0)
                for _ in range(2)
            ]
            outs = [h.finish(p, 60) for p in procs]
            assert [0, 0] == [rc for rc, _, _ in outs], [err[-800:] for _, _, err in outs]
            audit = job.audit()
            results = job.results(audit=audit)
        counts = _created_per_prompt(slow_emulator)
        assert {c["prompt"]: 1 for c in configs} == counts
        assert (True, n, {}) == (audit.ok, len(audit.created_once), audit.duplicated)
        assert all(r.success and not r.duplicates for r in results)

    def test_results_of_a_wiped_ledger_raise_ledger_lost(self, own_redis: RedisServer) -> None:
        """A coordinator that submitted the job and finds it gone is told so."""
        config = worker_config("http://127.0.0.1:9", own_redis.url, 1.0)
        with CodegenClient(config) as client, SharedBulkJob(client, "gone") as job:
            job.ledger.submit(h.prompts(3, "gone"), _origin())
            own_redis.flush()
            with pytest.raises(LedgerLostError, match="recover"):
                job.results()


class TestStalledWorker:
    def test_a_worker_stopped_past_its_lease_sends_nothing_for_items_it_lost(
        self, redis_server: RedisServer
    ) -> None:
        """A worker SIGSTOPped while its claimed items wait for the rate limiter, past
        its 1 s lease; another takes them over; SIGCONT: the stalled one sends nothing
        for them (no duplicate by the emulator's accounting; the ledger agrees)."""
        n, scale = 25, 0.05  # 10 creates per 3 s
        with h.emulator_process(scale, port=free_port()) as url:
            client, job = _sync_job(url, redis_server.url, "stall", scale)
            with client, job:
                job.submit(h.prompts(n, "stall"))
                a = h.start_worker(url, redis_server.url, "stall", scale, lease=1.0)
                try:
                    # The first window's 10 creates are made: A's next items wait.
                    assert h.wait_until(lambda: len(_created_per_prompt(url)) >= 10, 30)
                    a.send_signal(signal.SIGSTOP)
                    b = h.start_worker(url, redis_server.url, "stall", scale, lease=1.0)
                    rc_b, _, err_b = h.finish(b, 60)
                finally:
                    a.send_signal(signal.SIGCONT)
                rc_a, out_a, err_a = h.finish(a, 60)
                results = job.results()
            counts = _created_per_prompt(url)
        assert (0, 0) == (rc_a, rc_b), (err_a[-800:], err_b[-800:])
        assert (n, {1}) == (len(counts), set(counts.values()))
        run_ids = [r.data.id for r in results if r.data is not None]
        assert n == len(set(run_ids))
        assert all(r.success for r in results)
        assert json.loads(out_a)["settled"] < 10 + 5  # it lost the items it held


class TestTransientRedis:
    def test_redis_restarted_with_its_data_mid_job_workers_and_coordinator_go_on(
        self, persistent_redis: RedisServer, slow_emulator: str
    ) -> None:
        """A Redis restart (append-only file kept) mid-job: workers retry through the
        gap and finish; the coordinator's results() also waits it out."""
        n, scale = 30, 0.02
        client, job = _sync_job(slow_emulator, persistent_redis.url, "bounce", scale)
        with client, job:
            job.submit(h.prompts(n, "bounce"))
            procs = [
                h.start_worker(slow_emulator, persistent_redis.url, "bounce", scale)
                for _ in range(2)
            ]
            assert h.wait_until(lambda: len(_created_per_prompt(slow_emulator)) >= 10, 30)
            persistent_redis.stop()
            timer = threading.Timer(0.5, persistent_redis.restart)
            timer.start()
            try:
                job.results()  # the coordinator, during the outage
            finally:
                timer.join()
            outs = [h.finish(p, 60) for p in procs]
            assert [0, 0] == [rc for rc, _, _ in outs], [err[-800:] for _, _, err in outs]
            results = job.results()
        counts = _created_per_prompt(slow_emulator)
        assert (n, {1}) == (len(counts), set(counts.values()))
        assert all(r.success for r in results)

    async def test_redis_down_past_the_budget_fails_the_job_once_not_per_item(
        self, own_redis: RedisServer, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """Redis lost for good mid-job (10 items, budget 2 s for the ledger and the
        limiter): work() fails with CoordinationError in about the budget, not the
        budget once per item."""
        emu = codegen_emulator_factory(time_scale=0.05)
        config = worker_config(emu.url, own_redis.url, 0.05)
        slow = {**scaled_limits(0.05), "create_run": (2, 1.0)}  # the job lasts ~5 s
        settings = config.replace(rate_limits=slow, redis_outage_timeout=2.0)
        async with AsyncCodegenClient(settings) as client:
            job = AsyncSharedBulkJob(client, "down", reconcile_grace=0.5)
            async with job:
                await job.submit(h.prompts(10, "down"))
                work = asyncio.ensure_future(job.work(max_concurrent=3))
                for _ in range(200):
                    if len(emu.accounting.creates) >= 2:
                        break
                    await asyncio.sleep(0.05)
                own_redis.stop()
                loop = asyncio.get_running_loop()
                started = loop.time()
                with pytest.raises(CoordinationError):
                    await asyncio.wait_for(work, 60)
                elapsed = loop.time() - started
        assert elapsed < 20.0  # 10 items x 2 s would be 20 s and more
        created = [c.prompt for c in emu.accounting.creates if c.created]
        assert len(created) == len(set(created))


class TestIntentWithoutRecord:
    async def test_a_dead_workers_intent_is_looked_up_found_or_sent_once(
        self, redis_url: str, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """Two items a dead worker sent (intent, no record, lease lapsed): the one whose
        run exists is reconciled without a create; the absent one is sent once, after
        the grace period; an item without intent is created without any search."""
        emu = codegen_emulator_factory(time_scale=0.005)
        config = worker_config(emu.url, redis_url, 0.005)
        configs = h.prompts(3, "dead")
        async with AsyncCodegenClient(config) as client:
            dead = AsyncSharedBulkJob(client, "dead", lease=0.2)
            job = AsyncSharedBulkJob(client, "dead", lease=0.2, reconcile_grace=0.5)
            async with dead, job:
                await dead.submit(configs)
                await dead.ledger.open()
                keys = [config_key(i, c) for i, c in enumerate(configs)]
                for key in keys[:2]:
                    assert "fresh" == (await dead.ledger.claim(key, "dead-worker"))[0]
                    assert await dead.ledger.intent(key, "dead-worker") is not None
                marker = {"codegen_client": {"job": "dead", "key": keys[0]}}
                await client.create_agent_run(prompt=configs[0]["prompt"], metadata=marker)
                await asyncio.sleep(0.3)  # the dead worker's leases lapse
                settled = await job.work(max_concurrent=3)
        statuses = [r.status for r in settled]
        assert ["reconciled", "created", "created"] == statuses
        created = [c.prompt for c in emu.accounting.creates if c.created]
        assert sorted(c["prompt"] for c in configs) == sorted(created, key=str)


class TestSubmitAndExpiry:
    async def test_two_racing_submits_of_different_inputs_one_wins(self, redis_url: str) -> None:
        """Two submits of different inputs under one id, at once: exactly one wins,
        the other gets ValidationError (the check and the write are one script)."""
        config = worker_config("http://127.0.0.1:9", redis_url, 1.0)
        async with AsyncCodegenClient(config) as client:
            for round_no in range(10):
                jobs = [AsyncSharedBulkJob(client, f"race-{round_no}") for _ in range(2)]
                try:
                    outcomes = await asyncio.gather(
                        jobs[0].ledger.submit(h.prompts(50, "a"), _origin()),
                        jobs[1].ledger.submit(h.prompts(50, "b"), _origin()),
                        return_exceptions=True,
                    )
                finally:
                    for job in jobs:
                        await job.aclose()
                refused = [o for o in outcomes if isinstance(o, ValidationError)]
                assert 1 == len(refused), outcomes

    def test_every_key_of_a_job_expires(
        self, redis_server: RedisServer, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """After a whole run (submit, work, results) every key of the job has a TTL."""
        import redis

        emu = codegen_emulator_factory(time_scale=0.005)
        config = worker_config(emu.url, redis_server.url, 0.005)
        with CodegenClient(config) as client, SharedBulkJob(client, "ttl") as job:
            job.submit(h.prompts(12, "ttl"))
            job.work(max_concurrent=4)
            assert all(r.success for r in job.results())
        with redis.Redis.from_url(redis_server.url) as r:
            keys = r.keys("codegen:{job:ttl}:*")
            ttls = {k.decode(): r.pttl(k) for k in keys}
        assert {"codegen:{job:ttl}:meta", "codegen:{job:ttl}:done"} <= set(ttls)
        assert all(t > 0 for t in ttls.values()), ttls


def _origin() -> Any:
    import datetime as dt

    from codegen_async._bulk._types import JobOrigin

    return JobOrigin(dt.datetime(2025, 1, 1), None, anchored=True)
