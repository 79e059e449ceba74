"""A worker process of a shared bulk job, for the scale-out tests and benchmark.

    python -m tests.redis.worker --base-url URL --redis URL --job JOB --time-scale 0.01
        [--client sync|async] [--concurrency 5] [--lease 2] [--grace 1]

Prints one JSON line when done: what this worker settled, its 429s and its waits.
A worker whose ledger is lost prints ``{"lost": ...}`` and exits with status 3.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from codegen_async.config import DEFAULT_RATE_LIMITS, CodegenConfig
from codegen_async.errors import LedgerLostError

TOKEN = "sk-emulator-0000"
ORG_ID = 323


def scaled_limits(time_scale: float) -> dict[str, tuple[int, float]]:
    """The documented limits with windows in wall seconds at the emulator's time scale."""
    return {g: (n, w * time_scale) for g, (n, w) in DEFAULT_RATE_LIMITS.items()}


def worker_config(base_url: str, redis_url: str, time_scale: float) -> CodegenConfig:
    """A client config sharing the token's limits through ``redis_url``."""
    return CodegenConfig(
        base_url=base_url,
        api_token=TOKEN,
        org_id=ORG_ID,
        rate_limits=scaled_limits(time_scale),
        rate_limit_backend=redis_url,
        timeout=5.0,
        max_retries=2,
        retry_backoff_factor=0.01,
        enable_caching=False,
    )


def _summary(results: list[Any], stats: Any) -> dict[str, Any]:
    return {
        "settled": len(results),
        "statuses": {s: sum(r.status == s for r in results) for s in {r.status for r in results}},
        "rate_limited": stats.rate_limited,
    }


def run_sync(args: argparse.Namespace) -> dict[str, Any]:
    from codegen_sync import CodegenClient
    from codegen_sync.scale import SharedBulkJob

    with CodegenClient(worker_config(args.base_url, args.redis, args.time_scale)) as client:
        job = SharedBulkJob(client, args.job, lease=args.lease, reconcile_grace=args.grace)
        with job:
            results = job.work(max_concurrent=args.concurrency)
        return _summary(results, client.get_stats())


async def run_async(args: argparse.Namespace) -> dict[str, Any]:
    from codegen_async import AsyncCodegenClient
    from codegen_async.scale import AsyncSharedBulkJob

    config = worker_config(args.base_url, args.redis, args.time_scale)
    async with AsyncCodegenClient(config) as client:
        job = AsyncSharedBulkJob(client, args.job, lease=args.lease, reconcile_grace=args.grace)
        async with job:
            results = await job.work(max_concurrent=args.concurrency)
        return _summary(results, client.get_stats())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--job", required=True)
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument("--client", choices=("sync", "async"), default="sync")
    parser.add_argument("--concurrency", type=int, default=5)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--grace", type=float, default=1.0)
    args = parser.parse_args(argv)
    try:
        out = run_sync(args) if args.client == "sync" else asyncio.run(run_async(args))
    except LedgerLostError as exc:
        print(json.dumps({"lost": exc.message}), flush=True)
        return 3
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
