"""Watching 1,000 concurrent runs: the list-endpoint watcher against per-run polling.

    .venv/bin/python -m benchmarks.watcher_vs_polling [--runs 1000] [--time-scale 0.01]

Each contender gets a fresh emulator with the real API's rate limits (60 reads per 30 s)
on a clock sped up ``1 / time_scale`` times, and 1,000 runs created at once (durations
log-uniform between 5 s and 120 s, as the emulator draws them; no run pauses, so that
per-run polling ends). The client's limits and poll intervals are scaled the same way.

* polling: one ``wait_for_completion`` per run, all concurrent (the official advice,
  with this client's backoff: first poll after 2 s, then x1.5 up to 30 s);
* watcher: one ``watch_agent_runs`` over all of them (its defaults: first sweep at
  once, the next after 2 s, then twice the time watched so far, at most 120 s).

Measured: requests spent (the client's count, cross-checked with the emulator's), and
for each run the delay between finishing on the server (the emulator knows when) and
the client learning it. Times are reported in emulated seconds, i.e. as they would be
against the real API.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from codegen_async import AsyncCodegenClient, CodegenConfig
from codegen_async.cli._commands import scaled_settings
from codegen_async.emulator import Emulator, EmulatorConfig, serve_in_thread

OUTCOMES = {"COMPLETE": 0.9, "FAILED": 0.06, "ERROR": 0.04}


def _seed_runs(emulator: Emulator, n: int) -> list[int]:
    """Create ``n`` runs at once, on the emulator's own loop (its world is not locked)."""

    async def create() -> list[int]:
        world = emulator.state
        return [world.create_run(emulator.org_id, 1, f"task {i}").id for i in range(n)]

    assert emulator.loop is not None
    return asyncio.run_coroutine_threadsafe(create(), emulator.loop).result(timeout=60)


def _finish_wall(emulator: Emulator, run_ids: list[int], scale: float) -> dict[int, float]:
    """Monotonic wall time at which each run finished on the server."""

    async def ends() -> tuple[float, float, dict[int, float]]:
        runs = emulator.state.runs
        return (
            emulator.clock.now(),
            time.monotonic(),
            {i: runs[i].segments[-1].end for i in run_ids},
        )

    assert emulator.loop is not None
    now_e, now_m, end_e = asyncio.run_coroutine_threadsafe(ends(), emulator.loop).result(60)
    return {i: now_m - (now_e - e) * scale for i, e in end_e.items()}


async def _polling(client: AsyncCodegenClient, ids: list[int], scale: float) -> dict[int, float]:
    known: dict[int, float] = {}

    async def one(run_id: int) -> None:
        await client.wait_for_completion(
            run_id=run_id,
            timeout=1e9,
            poll_interval=2.0 * scale,
            max_poll_interval=30.0 * scale,
        )
        known[run_id] = time.monotonic()

    await asyncio.gather(*(one(i) for i in ids))
    return known


WATCH = {"backoff": 2.0, "max_interval": 120.0}  # the watcher's defaults


async def _watcher(client: AsyncCodegenClient, ids: list[int], scale: float) -> dict[int, float]:
    known: dict[int, float] = {}
    watcher = client.watch_agent_runs(
        None,
        ids,
        poll_interval=2.0 * scale,
        max_poll_interval=WATCH["max_interval"] * scale,
        backoff=WATCH["backoff"],
    )
    async for event in watcher:
        if event.is_terminal:
            known[event.data.id] = time.monotonic()
    return known


Contender = Callable[[AsyncCodegenClient, list[int], float], Awaitable[dict[int, float]]]


def measure(name: str, contender: Contender, n: int, scale: float, seed: int) -> dict[str, Any]:
    """Run one contender on a fresh emulator; return its figures."""
    config = EmulatorConfig(
        time_scale=scale, rate_limits="on", seed=seed, outcome_weights=dict(OUTCOMES)
    )
    with serve_in_thread(config) as emulator:
        ids = _seed_runs(emulator, n)
        client_config = CodegenConfig(
            base_url=emulator.url,
            api_token=emulator.token,
            org_id=emulator.org_id,
            **scaled_settings(scale),
        )

        async def go() -> tuple[dict[int, float], int, float]:
            async with AsyncCodegenClient(client_config) as client:
                started = time.monotonic()
                known = await contender(client, ids, scale)
                elapsed = time.monotonic() - started
                stats = client.get_stats()
                return known, stats.total_requests + stats.retries, elapsed

        known, requests, elapsed = asyncio.run(go())
        finished = _finish_wall(emulator, ids, scale)
        server = emulator.accounting.total("requests")
        rejected = emulator.accounting.total("rate_limited")
    delays = sorted(max(0.0, known[i] - finished[i]) / scale for i in ids)
    return {
        "contender": name,
        "runs": n,
        "requests": requests,
        "server_requests": server,
        "429s": rejected,
        "median_delay_s": statistics.median(delays),
        "p95_delay_s": delays[int(0.95 * (len(delays) - 1))],
        "max_delay_s": delays[-1],
        "elapsed_emulated_s": elapsed / scale,
        "elapsed_wall_s": elapsed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backoff", type=float, default=2.0, help="watcher backoff")
    parser.add_argument("--max-interval", type=float, default=120.0, help="watcher cap (s)")
    args = parser.parse_args(argv)
    WATCH.update(backoff=args.backoff, max_interval=args.max_interval)
    rows = [
        measure("per-run polling", _polling, args.runs, args.time_scale, args.seed),
        measure("watcher", _watcher, args.runs, args.time_scale, args.seed),
    ]
    print(
        f"{args.runs} concurrent runs, real rate limits, time scale {args.time_scale:g}; "
        f"watcher backoff {args.backoff:g}, max interval {args.max_interval:g} s"
    )
    print(
        f"{'contender':40} {'requests':>9} {'429s':>5} {'median delay':>13} "
        f"{'p95 delay':>10} {'elapsed':>9}"
    )
    for r in rows:
        print(
            f"{r['contender']:40} {r['requests']:>9} {r['429s']:>5} "
            f"{r['median_delay_s']:>12.1f}s {r['p95_delay_s']:>9.1f}s "
            f"{r['elapsed_emulated_s']:>8.0f}s"
        )
    poll, watch = rows
    print(
        f"watcher: {poll['requests'] / max(watch['requests'], 1):.1f}x fewer requests, "
        f"{poll['median_delay_s'] / max(watch['median_delay_s'], 1e-9):.1f}x lower median delay"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
