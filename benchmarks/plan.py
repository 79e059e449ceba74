"""What the suite measures: the contenders, their baselines and the throughput targets."""

from __future__ import annotations

from dataclasses import dataclass

WORKLOADS = ("get", "list", "create")
WORKLOAD_TITLES = {
    "get": "GET one run",
    "list": "List 100 runs (one ~40 KB page)",
    "create": "Create a run (POST)",
}


@dataclass(frozen=True)
class Contender:
    """One client configuration, run in its own process by ``benchmarks.worker``."""

    key: str  # unique, used in tables, JSON and ``--only``
    module: str  # ``benchmarks.contenders.<module>``
    concurrency: int  # asyncio tasks (async) or threads (sync) sharing one client
    description: str
    variant: str = ""
    baseline: str | None = None  # key of the raw stack of the same kind and concurrency

    @property
    def is_baseline(self) -> bool:
        """Raw stacks are their own reference."""
        return self.baseline is None


RAW_AIO_1 = "raw-aiohttp c=1"
RAW_AIO_64 = "raw-aiohttp c=64"
RAW_U3_1 = "raw-urllib3 t=1"
RAW_U3_8 = "raw-urllib3 t=8"
OURS_ASYNC_64 = "ours-async c=64"
OURS_ASYNC_ON_64 = "ours-async+features c=64"
OURS_ASYNC_OFF_64 = "ours-async-off c=64"
OURS_SYNC_1 = "ours-sync t=1"
OURS_SYNC_ON_1 = "ours-sync+features t=1"
OURS_SYNC_OFF_1 = "ours-sync-off t=1"
OFFICIAL = "official t=1"

CONTENDERS: tuple[Contender, ...] = (
    Contender(RAW_AIO_64, "raw_aiohttp", 64, "aiohttp + msgspec Structs, 64 tasks"),
    Contender(
        OURS_ASYNC_64,
        "ours_async",
        64,
        "AsyncCodegenClient, rate limiter + retries + metrics, 64 tasks",
        "limited",
        RAW_AIO_64,
    ),
    Contender(
        OURS_ASYNC_ON_64,
        "ours_async",
        64,
        "AsyncCodegenClient, rate limiter + cache + retries + metrics, 64 tasks",
        "on",
        RAW_AIO_64,
    ),
    Contender(
        OURS_ASYNC_OFF_64,
        "ours_async",
        64,
        "AsyncCodegenClient, rate limiter and cache off, 64 tasks",
        "off",
        RAW_AIO_64,
    ),
    Contender(
        "httpx-async c=64",
        "httpx_pydantic",
        64,
        "httpx.AsyncClient + pydantic",
        "async",
        RAW_AIO_64,
    ),
    Contender(RAW_AIO_1, "raw_aiohttp", 1, "aiohttp + msgspec Structs, 1 task"),
    Contender(
        "ours-async c=1", "ours_async", 1, "AsyncCodegenClient, 1 task", "limited", RAW_AIO_1
    ),
    Contender(
        "httpx-async c=1", "httpx_pydantic", 1, "httpx.AsyncClient + pydantic", "async", RAW_AIO_1
    ),
    Contender(RAW_U3_1, "raw_urllib3", 1, "urllib3 PoolManager + msgspec Structs, 1 thread"),
    Contender(
        OURS_SYNC_1,
        "ours_sync",
        1,
        "CodegenClient, rate limiter + retries + metrics, 1 thread",
        "limited",
        RAW_U3_1,
    ),
    Contender(
        OURS_SYNC_ON_1,
        "ours_sync",
        1,
        "CodegenClient, rate limiter + cache + retries + metrics, 1 thread",
        "on",
        RAW_U3_1,
    ),
    Contender(
        OURS_SYNC_OFF_1,
        "ours_sync",
        1,
        "CodegenClient, rate limiter and cache off, 1 thread",
        "off",
        RAW_U3_1,
    ),
    Contender(
        OFFICIAL, "official", 1, "codegen-api-client 1.0.0 (urllib3 + pydantic)", "", RAW_U3_1
    ),
    Contender("httpx-sync t=1", "httpx_pydantic", 1, "httpx.Client + pydantic", "sync", RAW_U3_1),
    Contender("requests t=1", "requests_json", 1, "requests + json + dataclasses", "", RAW_U3_1),
    Contender(RAW_U3_8, "raw_urllib3", 8, "urllib3 PoolManager + msgspec Structs, 8 threads"),
    Contender(
        "ours-sync t=8", "ours_sync", 8, "CodegenClient shared by 8 threads", "limited", RAW_U3_8
    ),
)


@dataclass(frozen=True)
class Target:
    """A required ratio: ``contender`` / ``reference`` >= ``minimum`` on requests/s."""

    name: str
    contender: str
    reference: str
    workloads: tuple[str, ...]
    minimum: float


TARGETS: tuple[Target, ...] = (
    Target(
        "async client >= 0.90 x raw aiohttp+msgspec (c=64)",
        OURS_ASYNC_64,
        RAW_AIO_64,
        ("get", "list"),
        0.90,
    ),
    Target(
        "sync client >= 0.90 x raw urllib3+msgspec (1 thread)",
        OURS_SYNC_1,
        RAW_U3_1,
        ("get", "list"),
        0.90,
    ),
    Target(
        "async client (c=64) >= 2.5 x official client",
        OURS_ASYNC_64,
        OFFICIAL,
        ("get", "list"),
        2.5,
    ),
)

# Pairs whose CPU cost per request shows what the optional features cost.
FEATURE_PAIRS: tuple[tuple[str, str], ...] = (
    (OURS_ASYNC_OFF_64, OURS_ASYNC_ON_64),
    (OURS_SYNC_OFF_1, OURS_SYNC_ON_1),
)
