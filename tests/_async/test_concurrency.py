"""One client shared by many workers: right answers, no crash, bounded connections.

The async client is shared by 500 tasks, the sync one (generated from this file) by
16 threads; both make 2,000 mixed calls. A sampler reads ``/proc/net/tcp`` meanwhile
and counts the client's established connections to the emulator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from codegen_async import AsyncCodegenClient
from codegen_async._http._backend import IS_ASYNC, gather_bounded
from codegen_async.emulator import Emulator

from .conftest import config_for

WORKERS = 500 if IS_ASYNC else 16
CALLS = 2000
MAX_CONNECTIONS = 20


def _established_to(port: int) -> int:
    """Established TCP connections (IPv4) whose remote end is ``port`` on this host.

    Counted by their local address: the kernel builds ``/proc/net/tcp`` while sockets come
    and go, so one read may list a connection twice; a set counts it once.
    """
    local_ends = set()
    with open("/proc/net/tcp") as table:
        rows = table.read().splitlines()[1:]
    for line in rows:
        fields = line.split()
        local, remote, state = fields[1], fields[2], fields[3]
        if state == "01" and int(remote.rsplit(":", 1)[1], 16) == port:
            local_ends.add(local)
    return len(local_ends)


@contextmanager
def connection_peak(port: int) -> Iterator[list[int]]:
    """Sample the connections to ``port`` every 2 ms; yields a one-item list, the peak."""
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _established_to(port))
            stop.wait(0.002)

    thread = threading.Thread(target=sample, name="connection-sampler")
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


@pytest.fixture
def busy_emulator(codegen_emulator_factory: Callable[..., Emulator]) -> Emulator:
    return codegen_emulator_factory(time_scale=0.01, rate_limits="off", seed_runs=20)


async def test_one_client_shared_by_many_workers(busy_emulator: Emulator) -> None:
    """2,000 calls from many workers on one client: each answer right, connections capped."""
    emulator = busy_emulator
    seeded = sorted(emulator.state.runs)[:20]
    port = int(emulator.url.rsplit(":", 1)[1])
    config = config_for(emulator, max_connections=MAX_CONNECTIONS, max_retries=0)

    def job(client: AsyncCodegenClient, i: int) -> Callable[[], Any]:
        async def call() -> bool:
            kind = i % 4
            if kind == 0:
                run = await client.create_agent_run(prompt=f"task {i}", metadata={"i": i})
                return run.metadata is not None and i == run.metadata["i"]
            if kind == 1:
                run_id = seeded[i % len(seeded)]
                return run_id == (await client.get_agent_run(run_id=run_id)).id
            if kind == 2:
                return 5 == len((await client.get_agent_runs(per_page=5)).items)
            return 1 == (await client.get_current_user()).id

        return call

    with connection_peak(port) as peak:
        async with AsyncCodegenClient(config) as client:
            answers = await gather_bounded([job(client, i) for i in range(CALLS)], WORKERS)
        after_close = _established_to(port)
    assert [True] * CALLS == answers
    assert CALLS // 4 == emulator.accounting.total("runs_created")
    assert 0 < peak[0] <= min(WORKERS, MAX_CONNECTIONS)
    assert 0 == after_close


async def test_max_connections_caps_the_pool_below_the_worker_count(
    busy_emulator: Emulator,
) -> None:
    """With fewer pooled connections than workers, no more than max_connections are open."""
    port = int(busy_emulator.url.rsplit(":", 1)[1])
    config = config_for(busy_emulator, max_connections=4, max_retries=0)

    def job(client: AsyncCodegenClient) -> Callable[[], Any]:
        async def call() -> int:
            return (await client.get_current_user()).id

        return call

    with connection_peak(port) as peak:
        async with AsyncCodegenClient(config) as client:
            # Long enough for the 2 ms sampler to see the pool busy even on a loaded machine.
            answers = await gather_bounded([job(client) for _ in range(1500)], 16)
    assert [1] * 1500 == answers
    assert 0 < peak[0] <= 4
