"""CPU per GET of AsyncCodegenClient with each feature toggled, against the lean server.

``python -m benchmarks.feature_costs [--rounds 3]`` prints the client's CPU microseconds
per request with nothing on, the limiter (group and overall cap, or group only), the cache,
and both; limits high enough never to bind, as in ``benchmarks.run``'s "features on"
contenders. It shows where that variant's overhead goes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from codegen_async import AsyncCodegenClient, CodegenConfig
from codegen_async.config import RATE_LIMIT_GROUPS

REQUESTS, CONCURRENCY, HIGH = 20_000, 64, 10**9


async def _cpu_per_request(op: Callable[[int], Awaitable[Any]]) -> float:
    async def worker(first: int) -> None:
        for i in range(first, REQUESTS, CONCURRENCY):
            await op(i + 1)

    started = time.process_time()
    await asyncio.gather(*(worker(k) for k in range(CONCURRENCY)))
    return (time.process_time() - started) / REQUESTS * 1e6


def _config(base: str, *, limiter: bool, cache: bool, overall: bool = True) -> CodegenConfig:
    settings: dict[str, Any] = {"base_url": base, "api_token": "x", "org_id": 323}
    settings["max_retries"] = 0
    if limiter:
        settings["rate_limits"] = {g: (HIGH, 1.0) for g in RATE_LIMIT_GROUPS}
        if overall:
            settings.update(rate_limit_requests=HIGH, rate_limit_window=1.0)
    else:
        settings["rate_limit_strategy"] = "none"
    if cache:
        settings.update(enable_caching=True, cache_ttl=1e-6)
    return CodegenConfig(**settings)


async def _measure(config: CodegenConfig) -> float:
    async with AsyncCodegenClient(config) as client:

        async def op(run_id: int) -> Any:
            return await client.get_agent_run(323, run_id)

        await _cpu_per_request(op)  # warm-up
        return await _cpu_per_request(op)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.lean_server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = json.loads(server.stdout.readline() if server.stdout else "{}")["port"]
        base = f"http://127.0.0.1:{port}"
        variants = {
            "none": _config(base, limiter=False, cache=False),
            "limiter (group + overall)": _config(base, limiter=True, cache=False),
            "limiter (group only)": _config(base, limiter=True, cache=False, overall=False),
            "cache": _config(base, limiter=False, cache=True),
            "limiter + cache": _config(base, limiter=True, cache=True),
        }
        for round_no in range(1, args.rounds + 1):
            figures = {name: asyncio.run(_measure(cfg)) for name, cfg in variants.items()}
            row = ", ".join(f"{name} {us:.1f}" for name, us in figures.items())
            print(f"round {round_no}: CPU us per GET: {row}")
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
