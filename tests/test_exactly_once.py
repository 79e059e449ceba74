"""Exactly once where it used to break: a server that acts late, a late resume.

Each test counts what the emulator itself created (its accounting), never what the
client believes, and checks that the job's results and audit say the same.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
from aiohttp import web

from codegen_async import AsyncCodegenClient, ConfigPresets
from codegen_async.emulator import Emulator

_CREATE_SUFFIX = "/agent/run"


class LateProxy:
    """Forwards everything to the emulator; creates are forwarded ``delay`` seconds late,
    whatever the client does meanwhile: a loaded server that acts after the client gave
    up. ``late`` turns the delay on and off."""

    def __init__(self, upstream: str, delay: float) -> None:
        self.upstream = upstream
        self.delay = delay
        self.late = True
        self.only = b""  # delay only the creates whose body holds this
        self.creates_received = 0
        self._tasks: set[asyncio.Task[tuple[int, bytes, str]]] = set()
        self._session: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        is_create = request.method == "POST" and request.path.endswith(_CREATE_SUFFIX)
        delay = self.delay if is_create and self.late and self.only in body else 0.0
        if is_create:
            self.creates_received += 1
        # A task of its own: it goes on when the client hangs up (the server "acts late").
        task = asyncio.ensure_future(self._forward(request, body, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        status, data, ctype = await asyncio.shield(task)
        return web.Response(status=status, body=data, content_type=ctype.split(";")[0])

    async def _forward(
        self, request: web.Request, body: bytes, delay: float
    ) -> tuple[int, bytes, str]:
        if delay:
            await asyncio.sleep(delay)
        assert self._session is not None
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "content-type")
        }
        async with self._session.request(
            request.method, self.upstream + request.path_qs, data=body or None, headers=headers
        ) as response:
            return response.status, await response.read(), response.content_type

    async def settle(self) -> None:
        """Wait until every delayed create has reached the emulator."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._session = aiohttp.ClientSession()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            await self.settle()
            await self._session.close()
            await runner.cleanup()


def _lines_with(results_file: str, status: str) -> int:
    path = Path(results_file)
    text = path.read_text() if path.exists() else ""
    return text.count(f'"status":"{status}"')


def created_prompts(emulator: Emulator) -> Counter[str]:
    return Counter(r.prompt for r in emulator.accounting.creates if r.created and r.prompt)


def _client(url: str, emulator: Emulator, timeout: float) -> AsyncCodegenClient:
    config = ConfigPresets.testing(
        base_url=url, api_token=emulator.token, org_id=emulator.org_id, timeout=timeout
    )
    return AsyncCodegenClient(config)


async def test_a_server_acting_late_gets_no_second_create(
    codegen_emulator_factory: Callable[..., Emulator],
) -> None:
    """Creates answered after the client's timeout, acted on anyway: the runner waits its
    grace period before calling them absent, finds them, and sends nothing twice."""
    emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off")
    proxy = LateProxy(emulator.url, delay=1.5)
    prompts = [f"late {i}" for i in range(5)]
    async with proxy.serving() as url, _client(url, emulator, timeout=0.5) as client:
        bulk = client.bulk_operations(reconcile_grace=4.0)
        results = await bulk.create_agent_runs(None, [{"prompt": p} for p in prompts])
    assert ["reconciled"] * 5 == [r.status for r in results]
    assert dict.fromkeys(prompts, 1) == dict(created_prompts(emulator))
    assert bulk.audit is not None and bulk.audit.ok
    assert 5 == len(bulk.audit.created_once)
    assert all(not r.duplicates for r in results)


async def test_without_a_grace_period_the_audit_reports_the_duplicates(
    codegen_emulator_factory: Callable[..., Emulator],
) -> None:
    """The same server with no grace period (the old behaviour): creates are resent and
    duplicated, and the audit, not the runner's belief, says so, with the run ids."""
    emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off")
    proxy = LateProxy(emulator.url, delay=1.0)
    prompts = [f"dup {i}" for i in range(3)]
    async with proxy.serving() as url, _client(url, emulator, timeout=0.3) as client:
        bulk = client.bulk_operations(reconcile_grace=0.0, reconcile_rounds=1)
        await bulk.create_agent_runs(None, [{"prompt": p} for p in prompts], audit=False)
        await proxy.settle()
        job = bulk.job_id
        assert job is not None
        audit = await bulk.audit_job(None, job, [{"prompt": p} for p in prompts], bulk.origin)
    made = created_prompts(emulator)
    assert all(made[p] >= 2 for p in prompts), made  # the old behaviour did duplicate
    assert audit.complete
    assert {i: len(ids) for i, ids in audit.duplicated.items()} == {
        i: made[p] for i, p in enumerate(prompts)
    }


async def test_a_late_resume_finds_in_flight_creates_past_other_runs(
    codegen_emulator_factory: Callable[..., Emulator], tmp_path: Path
) -> None:
    """A job interrupted with creates in flight, resumed 15 minutes (server time) later
    after 150 other runs by the same token: the search reaches back to the job's origin,
    finds every in-flight create, and sends none of them again."""
    emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off")
    proxy = LateProxy(emulator.url, delay=1.0)
    # Three are answered at once (the runner knows their runs), seven are left in flight.
    prompts = [f"resume {i}" for i in range(3)] + [f"resume slow {i}" for i in range(7)]
    configs = [{"prompt": p} for p in prompts]
    proxy.only = b"slow"
    results_file = str(tmp_path / "job.jsonl")
    async with proxy.serving() as url, _client(url, emulator, timeout=10.0) as client:
        bulk = client.bulk_operations(max_concurrent=10)
        task = asyncio.ensure_future(
            bulk.create_agent_runs(None, configs, results_file=results_file)
        )
        for _ in range(500):
            # Every create sent, and the three quick answers written down.
            if proxy.creates_received >= 10 and _lines_with(results_file, "created") == 3:
                break
            await asyncio.sleep(0.02)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert ["created"] * 3 + ["unknown"] * 7 == [r.status for r in bulk.results]
        await proxy.settle()  # the server acts on every one of them, late
        proxy.late = False
        for i in range(150):
            await client.create_agent_run(None, f"other {i}")
        emulator.clock.advance(15 * 60)
        resumed = client.bulk_operations(reconcile_grace=0.5)
        results = await resumed.create_agent_runs(None, configs, results_file=results_file)
    assert ["created"] * 3 + ["reconciled"] * 7 == [r.status for r in results]
    made = created_prompts(emulator)
    assert dict.fromkeys(prompts, 1) == {p: made[p] for p in prompts}
    assert resumed.audit is not None and resumed.audit.ok


async def test_the_emulators_late_fault_is_found_within_the_grace_period(
    codegen_emulator_factory: Callable[..., Emulator],
) -> None:
    """The emulator's own ``late`` fault (closed at once, acted on a second later): every
    create ends reconciled with exactly one run, and the audit agrees."""
    from codegen_async.emulator import FaultConfig

    faults = FaultConfig(late_rate=1.0, late_delay=1.0, endpoints=frozenset({"create_agent_run"}))
    emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off", faults=faults)
    prompts = [f"emulated late {i}" for i in range(6)]
    async with _client(emulator.url, emulator, timeout=5.0) as client:
        bulk = client.bulk_operations(reconcile_grace=3.0)
        results = await bulk.create_agent_runs(None, [{"prompt": p} for p in prompts])
    assert ["reconciled"] * 6 == [r.status for r in results]
    assert dict.fromkeys(prompts, 1) == dict(created_prompts(emulator))
    assert {"late"} == {r.fault for r in emulator.accounting.creates}
    assert bulk.audit is not None and bulk.audit.ok


async def test_items_only_waiting_for_a_rate_limit_slot_end_cancelled_not_unknown(
    codegen_emulator_factory: Callable[..., Emulator], tmp_path: Path
) -> None:
    """Interrupted while items wait for the create limit: they were never sent, so they
    end "cancelled" (no lookup needed), and the results file holds no intent for them."""
    emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off")
    config = ConfigPresets.testing(
        base_url=emulator.url,
        api_token=emulator.token,
        org_id=emulator.org_id,
        rate_limits={"create_run": (1, 60.0)},
        rate_limit_strategy="sliding_window",
    )
    results_file = tmp_path / "job.jsonl"
    async with AsyncCodegenClient(config) as client:
        bulk = client.bulk_operations(max_concurrent=5)
        configs = [{"prompt": f"waiting {i}"} for i in range(5)]
        task = asyncio.ensure_future(
            bulk.create_agent_runs(None, configs, results_file=str(results_file))
        )
        for _ in range(500):
            if sum(r.created for r in emulator.accounting.creates):
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # the other four are waiting for the limiter
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert ["created"] + ["cancelled"] * 4 == [r.status for r in bulk.results]
    assert 1 == len(emulator.accounting.creates)
    import json

    lines = [json.loads(x) for x in results_file.read_text().splitlines()[1:]]
    assert [0] == [x["index"] for x in lines if x["status"] in ("sending", "created")]
