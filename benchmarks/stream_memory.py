"""Peak memory while streaming a million runs from the lean server, page by page.

``--mode ours`` iterates ``AsyncCodegenClient.stream_agent_runs``; ``--mode raw`` is the same
loop written on aiohttp + msgspec (the floor).  The process reports its peak RSS growth over
the streaming loop (``ru_maxrss`` after minus RSS before) and, with ``--tracemalloc``, the
peak of Python allocations.  A streaming iterator must keep both flat: a million runs decoded
at once would take on the order of a gigabyte.

``python -m benchmarks.stream_memory --base-url URL [--runs 1000000] [--mode ours|raw] [--json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.contenders._common import AUTH_HEADER, TOKEN
from benchmarks.payloads import ORG_ID, PAGE_LIMIT


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def _raw_stream(base_url: str) -> AsyncIterator[Any]:
    import aiohttp

    from benchmarks.schemas import PAGE_DECODER

    headers = {"Authorization": AUTH_HEADER}
    async with aiohttp.ClientSession(base_url, headers=headers) as session:
        skip = 0
        while True:
            params = {"skip": str(skip), "limit": str(PAGE_LIMIT)}
            async with session.get(f"/v1/organizations/{ORG_ID}/agent/runs", params=params) as r:
                r.raise_for_status()
                page = PAGE_DECODER.decode(await r.read())
            for run in page.items:
                yield run
            if len(page.items) < PAGE_LIMIT:
                return
            skip += PAGE_LIMIT


async def _ours_stream(base_url: str) -> AsyncIterator[Any]:
    from codegen_async import AsyncCodegenClient, CodegenConfig

    config = CodegenConfig(
        base_url=base_url,
        api_token=TOKEN,
        org_id=ORG_ID,
        rate_limit_strategy="none",
        enable_caching=False,
        max_retries=0,
    )
    async with AsyncCodegenClient(config) as client:
        async for run in client.stream_agent_runs(ORG_ID):
            yield run


async def measure(base_url: str, runs: int, mode: str, trace: bool) -> dict[str, Any]:
    """Stream ``runs`` runs; return counts, time and memory figures."""
    stream = _ours_stream(base_url) if mode == "ours" else _raw_stream(base_url)
    # Touch the first item before measuring so imports and the session are accounted for.
    first = await anext(stream)
    count, last_id = 1, first.id
    rss0 = _rss_mb()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    async for run in stream:
        count += 1
        last_id = run.id
        if count >= runs:
            break
    elapsed = time.perf_counter() - t0
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    if trace:
        tracemalloc.stop()
    await stream.aclose()
    return {
        "mode": mode,
        "runs": count,
        "last_id": last_id,
        "seconds": elapsed,
        "runs_per_s": count / elapsed if elapsed else 0.0,
        "rss_before_mb": rss0,
        "peak_rss_mb": _peak_rss_mb(),
        "peak_growth_mb": max(0.0, _peak_rss_mb() - rss0),
        "tracemalloc_peak_mb": traced_peak,
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="a running benchmarks.lean_server")
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--mode", choices=("ours", "raw"), default="ours")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    try:
        out = asyncio.run(measure(args.base_url, args.runs, args.mode, args.tracemalloc))
    except ImportError as exc:
        out = {"mode": args.mode, "unavailable": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(out) if args.json else out)


if __name__ == "__main__":
    main()
