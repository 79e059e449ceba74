"""The features' overhead: ``get_agent_run`` with the features on against off, on the emulator.

    python -m benchmarks.feature_overhead [--pairs 30] [--block 2000] [--sync-block 500]

"On" is ``benchmarks.contenders._ours``'s variant of that name: the sliding-window rate
limiter (an overall cap plus every group's limit, all far too high to bind), the response
cache and the metrics. "Off" has the limiter and the cache off (metrics are always on). The
emulator runs in its own process with its limits off and one seeded run per request of a
block, so the cache never answers a request: the figure is the features' bookkeeping,
never a round trip saved. Once full, the cache stores no answer for a URL read only once
(its admission rule), as it would in any scan; the report says how many it stored and
how many it declined.

Both clients of a kind live in one process and take turns in short blocks, in the order
on, off, off, on, on, off, ... Each pair of neighbouring blocks gives one ratio of
throughput. On a shared VM throughput drifts by 20% within seconds; blocks a fraction of
a second long see the same drift, so their ratio keeps the client's cost and loses most
of the noise. Reported: the median of the pair ratios with their min-max, and the ratio of
total requests per second. The async clients run 64 tasks; the sync clients one thread.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from benchmarks._procs import emulator_server

TOKEN, ORG = "sk-emulator-0000", 323
FIRST_RUN = 1000  # the emulator numbers its seeded runs from here
CONCURRENCY = 64
MINIMUM = 0.95
VARIANTS = ("on", "off", "limited")


def _config(config_cls: Any, base: str, variant: str) -> Any:
    from benchmarks.contenders._common import Timer
    from benchmarks.contenders._ours import make_config

    return make_config(config_cls, base, variant, Timer(0)).replace(api_token=TOKEN, org_id=ORG)


def _order(pairs: int, variants: tuple[str, str]) -> Iterator[tuple[int, tuple[str, str]]]:
    """Block pairs in the order a-b, b-a, ...: neither variant always goes first."""
    a, b = variants
    for k in range(pairs):
        yield k, ((a, b) if k % 2 == 0 else (b, a))


def _summary(
    blocks: dict[str, list[tuple[int, float, float]]], variants: tuple[str, str]
) -> dict[str, Any]:
    """Pair ratios of requests per second (first variant / second), and the totals."""
    a, b = variants
    ratios = [
        (n1 / t1) / (n2 / t2) for (n1, t1, _), (n2, t2, _) in zip(blocks[a], blocks[b], strict=True)
    ]
    cpu = {v: sum(b[2] for b in blocks[v]) / sum(b[0] for b in blocks[v]) * 1e6 for v in blocks}
    rps = {v: sum(b[0] for b in blocks[v]) / sum(b[1] for b in blocks[v]) for v in blocks}
    return {
        "pairs": len(ratios),
        "ratio": {
            "median": statistics.median(ratios),
            "min": min(ratios),
            "max": max(ratios),
        },
        "total_ratio": rps[a] / rps[b],
        "req_per_s": rps,
        "cpu_us_per_request": cpu,
        "met": statistics.median(ratios) >= MINIMUM,
    }


async def _async_blocks(
    base: str, pairs: int, block: int, variants: tuple[str, str]
) -> dict[str, Any]:
    from codegen_async import AsyncCodegenClient, CodegenConfig

    clients = {v: AsyncCodegenClient(_config(CodegenConfig, base, v)) for v in variants}

    async def run(variant: str, first: int) -> tuple[int, float, float]:
        get = clients[variant].get_agent_run
        ids = iter(range(first, first + block))

        async def worker() -> None:
            for run_id in ids:
                await get(ORG, run_id)

        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return block, time.perf_counter() - wall, time.process_time() - cpu

    try:
        for variant in clients:  # opens every connection; uncounted
            await run(variant, FIRST_RUN)
        blocks: dict[str, list[tuple[int, float, float]]] = {v: [] for v in variants}
        for k, order in _order(pairs, variants):
            # Both variants of a pair fetch the same runs, which no cache has seen yet.
            first = FIRST_RUN + (k + 1) * block
            for variant in order:
                blocks[variant].append(await run(variant, first))
        stats = {v: c.get_stats() for v, c in clients.items()}
        caches = {v: c.get_cache_stats() for v, c in clients.items()}
    finally:
        for c in clients.values():
            await c.aclose()
    _check(stats, caches)
    return {**_summary(blocks, variants), "cache": _cache_summary(caches)}


def _sync_blocks(base: str, pairs: int, block: int, variants: tuple[str, str]) -> dict[str, Any]:
    from codegen_sync import CodegenClient, CodegenConfig

    clients = {v: CodegenClient(_config(CodegenConfig, base, v)) for v in variants}

    def run(variant: str, first: int) -> tuple[int, float, float]:
        get = clients[variant].get_agent_run
        wall, cpu = time.perf_counter(), time.process_time()
        for run_id in range(first, first + block):
            get(ORG, run_id)
        return block, time.perf_counter() - wall, time.process_time() - cpu

    try:
        for variant in clients:
            run(variant, FIRST_RUN)
        blocks: dict[str, list[tuple[int, float, float]]] = {v: [] for v in variants}
        for k, order in _order(pairs, variants):
            first = FIRST_RUN + (k + 1) * block
            for variant in order:
                blocks[variant].append(run(variant, first))
        stats = {v: c.get_stats() for v, c in clients.items()}
        caches = {v: c.get_cache_stats() for v, c in clients.items()}
    finally:
        for c in clients.values():
            c.close()
    _check(stats, caches)
    return {**_summary(blocks, variants), "cache": _cache_summary(caches)}


def _check(stats: dict[str, Any], caches: dict[str, Any]) -> None:
    """Every request succeeded, and none was answered from the cache."""
    for variant, s in stats.items():
        if s.failed_requests:
            raise SystemExit(f"{variant}: {s.failed_requests} requests failed")
    hits = sum(c.hits for c in caches.values())
    if hits:
        raise SystemExit(f"the cache answered {hits} requests; the figure would flatter it")


def _cache_summary(caches: dict[str, Any]) -> dict[str, int]:
    """What the "on" client's cache did with its misses: stored (evicting) or declined."""
    on = caches.get("on")
    if on is None:
        return {}
    return {"misses": on.misses, "declined": on.declined, "evictions": on.evictions}


def measure(
    pairs: int, block: int, sync_block: int, variants: tuple[str, str] = ("on", "off")
) -> dict[str, Any]:
    """Both kinds against one emulator: ``variants[0]`` against ``variants[1]``."""
    unknown = set(variants) - set(VARIANTS)
    if unknown or len(set(variants)) != 2:
        raise ValueError(f"two different variants of {VARIANTS} needed, got {variants}")
    runs = (pairs + 1) * max(block, sync_block)
    with emulator_server(runs) as base:
        result = {"async c=64": asyncio.run(_async_blocks(base, pairs, block, variants))}
        result["sync t=1"] = _sync_blocks(base, pairs, sync_block, variants)
    return {
        "pairs": pairs,
        "block": block,
        "sync_block": sync_block,
        "variants": list(variants),
        "minimum": MINIMUM,
        "results": result,
    }


def markdown(data: dict[str, Any]) -> list[str]:
    """The result as a Markdown table."""
    a, b = data["variants"]
    met = f"| met (>= {MINIMUM}) " if (a, b) == ("on", "off") else ""
    lines = [
        f"| client | {a} / {b}, median of pair ratios | min-max | total req/s {a} / {b} "
        f"| CPU us per request {a} / {b} {met}|",
        "|---|---:|---:|---:|---:|" + ("---|" if met else ""),
    ]
    fmt: Callable[[float], str] = "{:.2f}".format
    for name, r in data["results"].items():
        ratio, rps, cpu = r["ratio"], r["req_per_s"], r["cpu_us_per_request"]
        verdict = f"| {'yes' if r['met'] else 'NO'} " if met else ""
        lines.append(
            f"| {name} | {fmt(ratio['median'])} | {fmt(ratio['min'])}-{fmt(ratio['max'])} "
            f"| {rps[a]:,.0f} / {rps[b]:,.0f} ({fmt(r['total_ratio'])}) "
            f"| {cpu[a]:.1f} / {cpu[b]:.1f} {verdict}|"
        )
    caches = [(name, r["cache"]) for name, r in data["results"].items() if r.get("cache")]
    if caches:
        lines.append("")
    for name, c in caches:
        lines.append(
            f'- {name}, the cache of "on": {c["misses"]:,} misses; '
            f"{c['misses'] - c['declined']:,} answers stored ({c['evictions']:,} evictions), "
            f"{c['declined']:,} declined by the admission rule (a full cache, a URL read once)"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=30, help="block pairs per kind")
    parser.add_argument("--block", type=int, default=2000, help="requests per async block")
    parser.add_argument("--sync-block", type=int, default=500, help="requests per sync block")
    parser.add_argument(
        "--compare",
        default="on,off",
        help="two variants of benchmarks.contenders._ours, first against second (default "
        "on,off: the overhead; on,limited gives the cache's share, limited,off the limiter's)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    if min(args.pairs, args.block, args.sync_block) < 1:
        parser.error("--pairs, --block and --sync-block must be positive")
    variants = [v.strip() for v in args.compare.split(",")]
    if len(variants) != 2:
        parser.error("--compare takes two variants, e.g. on,off")
    try:  # measure checks the variants before it starts anything
        data = measure(args.pairs, args.block, args.sync_block, (variants[0], variants[1]))
    except ValueError as exc:
        parser.error(str(exc))
    if args.json:
        print(json.dumps(data))
    else:
        print("\n".join(markdown(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
