"""Rate-limit utilisation: requests per window achieved / allowed, per strategy, zero 429s.

    python -m benchmarks.ratelimit_utilisation                  # ~1 minute on 2 cores
    python -m benchmarks.ratelimit_utilisation --windows 100 --time-scale 0.01

For each strategy a fresh emulator (its real limits, time sped up by ``--time-scale``)
serves a client that keeps ``--concurrency`` GETs and a few creates in flight for
``--windows`` standard windows. For each group, utilisation is the number of requests
answered within the first whole windows after the group's first request, divided by
what the server allows in those windows (N per window). The ``adaptive`` row runs against
limits halved on the server (the client told nothing) and divides by the server's real
limit; it pays a few 429s to learn. 429s are counted by the emulator.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
from dataclasses import dataclass
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from codegen_async import AsyncCodegenClient, CodegenConfig
from codegen_async._http._backend import monotonic
from codegen_async.config import DEFAULT_RATE_LIMITS, RateLimitStrategy
from codegen_async.emulator import Emulator, serve_in_thread

QUICK = {"emulator": {"outcome": "COMPLETE", "duration": 5.0}}
GROUPS = ("standard", "create_run")


@dataclass(frozen=True)
class Row:
    """One (strategy, group) measurement."""

    strategy: str
    group: str
    window: float
    limit: int
    windows: int
    achieved: int
    rate_limited: int

    @property
    def allowed(self) -> int:
        return self.limit * self.windows

    @property
    def utilisation(self) -> float:
        return self.achieved / self.allowed if self.allowed else 0.0


async def _job(
    emulator: Emulator, strategy: RateLimitStrategy, adaptive: bool, args: argparse.Namespace
) -> dict[str, list[float]]:
    """Keep both groups busy for the run; return each group's answer times."""
    scale = args.time_scale
    config = CodegenConfig(
        base_url=emulator.url,
        api_token=emulator.token,
        org_id=emulator.org_id,
        rate_limit_strategy=strategy,
        adaptive_rate_limit=adaptive,
        rate_limits={g: (n, w * scale) for g, (n, w) in DEFAULT_RATE_LIMITS.items()},
        max_retries=10,
        retry_backoff_factor=0.01,
    )
    answered: dict[str, list[float]] = {g: [] for g in GROUPS}
    async with AsyncCodegenClient(config) as client:
        seed = await client.create_agent_run(prompt="seed", metadata=QUICK)
        await asyncio.sleep(DEFAULT_RATE_LIMITS["create_run"][1] * scale)  # seed's slot frees
        end = monotonic() + args.windows * DEFAULT_RATE_LIMITS["standard"][1] * scale

        async def getter() -> None:
            while monotonic() < end:
                await client.get_agent_run(run_id=seed.id, cache=False)
                answered["standard"].append(monotonic())

        async def creator() -> None:
            while monotonic() < end:
                await client.create_agent_run(prompt="bench", metadata=QUICK)
                answered["create_run"].append(monotonic())

        workers = [getter() for _ in range(args.concurrency)]
        workers += [creator() for _ in range(max(1, args.concurrency // 4))]
        await asyncio.gather(*workers)
    return answered


def _rows(
    strategy: str,
    answered: dict[str, list[float]],
    rate_limited: dict[str, int],
    server_scale: float,
    time_scale: float,
) -> list[Row]:
    rows = []
    for group in GROUPS:
        limit, window = DEFAULT_RATE_LIMITS[group]
        limit = max(1, math.floor(limit * server_scale))
        window *= time_scale
        stamps = sorted(answered[group])
        if not stamps:
            continue
        # Whole windows from the first answer, ending before the job's last answer.
        start = stamps[0] - 1e-9
        windows = int((stamps[-1] - start) // window)
        achieved = sum(1 for t in stamps if t < start + windows * window)
        rows.append(Row(strategy, group, window, limit, windows, achieved, rate_limited[group]))
    return rows


def measure(strategy: str, args: argparse.Namespace) -> list[Row]:
    """Run one strategy against a fresh emulator."""
    adaptive = strategy == "adaptive"
    server_scale = 0.5 if adaptive else 1.0
    with serve_in_thread(
        time_scale=args.time_scale, rate_limits=server_scale, run_duration=(5.0, 10.0)
    ) as emulator:
        pacing: RateLimitStrategy = (
            "leaky_bucket" if strategy == "leaky_bucket" else "sliding_window"
        )
        answered = asyncio.run(_job(emulator, pacing, adaptive, args))
        accounting = emulator.accounting
        rate_limited = {
            "standard": accounting.total("rate_limited", endpoint="get_agent_run"),
            "create_run": accounting.total("rate_limited", endpoint="create_agent_run"),
        }
    return _rows(strategy, answered, rate_limited, server_scale, args.time_scale)


def table(rows: list[Row]) -> str:
    """A small Markdown table."""
    lines = [
        "| strategy | group | window (s) | windows | allowed | achieved | utilisation | 429s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.strategy} | {r.group} | {r.window:g} | {r.windows} | {r.allowed} "
            f"| {r.achieved} | {r.utilisation:.1%} | {r.rate_limited} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--time-scale", type=float, default=0.01, help="emulated time speed-up")
    p.add_argument("--windows", type=int, default=60, help="standard windows per strategy")
    p.add_argument("--concurrency", type=int, default=20, help="GETs in flight")
    p.add_argument(
        "--strategies",
        default="sliding_window,leaky_bucket,adaptive",
        help="comma-separated: sliding_window, leaky_bucket, adaptive",
    )
    args = p.parse_args(argv)
    rows: list[Row] = []
    for strategy in args.strategies.split(","):
        rows += measure(strategy.strip(), args)
    print(
        f"Rate-limit utilisation at time_scale={args.time_scale:g} "
        f"({args.windows} standard windows, {args.concurrency} GETs in flight)\n"
    )
    print(table(rows))
    failed: list[Any] = [
        r for r in rows if r.strategy != "adaptive" and (r.rate_limited or r.utilisation < 0.97)
    ]
    if failed:
        print(
            "\nbelow target (>= 97% with zero 429s):",
            ", ".join(f"{r.strategy}/{r.group}" for r in failed),
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
