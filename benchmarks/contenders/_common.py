"""The tiny protocol every contender module follows, plus shared request drivers.

A contender module exposes::

    def run(workload: str, base_url: str, n_requests: int, concurrency: int,
            *, timer: Timer, variant: str = "") -> None

It builds its client, performs ``timer.warmup`` untimed requests (checking that they decode to
the expected typed objects), calls ``timer.start()``, performs exactly ``n_requests`` requests
with ``concurrency`` tasks (async) or threads (sync), calls ``timer.stop()`` and closes its client.
A module whose imports fail raises ``ImportError`` at import time; the worker reports it as
"unavailable".
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.payloads import CREATE_REQUEST, ORG_ID, PAGE_LIMIT

WORKLOADS = ("get", "list", "create")
TOKEN = "sk-benchmark-dummy-token"  # never a real secret; never printed
AUTH_HEADER = f"Bearer {TOKEN}"
PROMPT: str = CREATE_REQUEST["prompt"]
METADATA: dict[str, Any] = CREATE_REQUEST["metadata"]

# Run ids: warmup requests use ids from WARMUP_BASE, timed ones from 1, so every GET is for
# a distinct id within a process (a response cache never turns the GET workload into a no-op).
WARMUP_BASE = 5_000_000


def run_path(run_id: int) -> str:
    """Path of ``GET /v1/organizations/{org}/agent/run/{id}``."""
    return f"/v1/organizations/{ORG_ID}/agent/run/{run_id}"


LIST_PATH = f"/v1/organizations/{ORG_ID}/agent/runs?skip=0&limit={PAGE_LIMIT}"
CREATE_PATH = f"/v1/organizations/{ORG_ID}/agent/run"


class Timer:
    """Marks the timed window; the harness reads the ``T0`` line to sample the server's CPU."""

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup
        self.wall = 0.0
        self.cpu = 0.0
        self._t0 = 0.0
        self._c0 = 0.0
        self.notes: list[str] = []

    def start(self) -> None:
        sys.stdout.write("T0\n")
        sys.stdout.flush()
        self._c0 = time.process_time()
        self._t0 = time.perf_counter()

    def stop(self) -> None:
        self.wall = time.perf_counter() - self._t0
        self.cpu = time.process_time() - self._c0

    def note(self, text: str) -> None:
        """Attach a remark (e.g. a config knob that does not exist) to the result."""
        self.notes.append(text)


def check(workload: str, obj: Any) -> None:
    """Fail loudly unless ``obj`` is the decoded, typed result the workload should produce."""
    if isinstance(obj, (dict, list, bytes, str)):
        raise TypeError(f"{workload}: got untyped {type(obj).__name__}, expected a model")
    if workload == "list":
        items = obj.items if hasattr(obj, "items") and not callable(obj.items) else obj
        if len(items) != PAGE_LIMIT:
            raise ValueError(f"list: expected {PAGE_LIMIT} items, got {len(items)}")
        if not isinstance(items[0].id, int):
            raise TypeError("list: items are not typed runs")
    elif not isinstance(obj.id, int) or obj.organization_id != ORG_ID:
        raise ValueError(f"{workload}: unexpected run {obj!r:.80}")


def split_url(base_url: str) -> tuple[str, int]:
    """``http://127.0.0.1:PORT`` -> ``("127.0.0.1", PORT)``."""
    host, _, port = base_url.removeprefix("http://").partition(":")
    return host, int(port)


async def drive_async(
    n: int, concurrency: int, one: Callable[[int], Awaitable[Any]], first_id: int = 1
) -> None:
    """Perform ``one(run_id)`` for ``n`` ids with ``concurrency`` tasks sharing one iterator."""
    ids = iter(range(first_id, first_id + n))

    async def worker() -> None:
        for run_id in ids:
            await one(run_id)

    if concurrency == 1:
        await worker()
    else:
        await asyncio.gather(*(worker() for _ in range(concurrency)))


def drive_sync(n: int, threads: int, one: Callable[[int], Any], first_id: int = 1) -> None:
    """Perform ``one(run_id)`` for ``n`` ids with ``threads`` threads sharing one iterator."""
    ids = iter(range(first_id, first_id + n))
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for run_id in ids:
                one(run_id)
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    if threads == 1:
        worker()
    else:
        pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    if errors:
        raise errors[0]


async def run_async(
    workload: str,
    n_requests: int,
    concurrency: int,
    timer: Timer,
    ops: dict[str, Callable[[int], Awaitable[Any]]],
) -> None:
    """Warm up (checking types), then time ``n_requests`` calls of ``ops[workload]``."""
    op = ops[workload]
    check(workload, await op(WARMUP_BASE))
    await drive_async(timer.warmup, concurrency, op, WARMUP_BASE + 1)
    timer.start()
    await drive_async(n_requests, concurrency, op)
    timer.stop()


def run_sync(
    workload: str,
    n_requests: int,
    threads: int,
    timer: Timer,
    ops: dict[str, Callable[[int], Any]],
) -> None:
    """Warm up (checking types), then time ``n_requests`` calls of ``ops[workload]``."""
    op = ops[workload]
    check(workload, op(WARMUP_BASE))
    drive_sync(timer.warmup, threads, op, WARMUP_BASE + 1)
    timer.start()
    drive_sync(n_requests, threads, op)
    timer.stop()
