"""Requests per second one emulator process serves.

The emulator runs in its own process (``python -m codegen_async.emulator``); this process
drives it with raw aiohttp at a fixed concurrency, for two requests:

- GET one run:    GET /v1/organizations/{org}/agent/run/{id}
- list 100 runs:  GET /v1/organizations/{org}/agent/runs?limit=100

It also reads the emulator process's CPU time (Linux ``/proc``), to tell whether the emulator
or the load generator is the bottleneck: ``server_us_per_req`` is the emulator's CPU cost of
one request, and ``server_capacity`` the requests per second one fully busy core would serve.

Usage: python benchmarks/emulator_rps.py [--seconds 5] [--concurrency 64] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "sk-emulator-0000"
ORG = 323


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process, from /proc (None elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    """Start the emulator (rate limits off, 200 settled runs) and wait for its URL."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "codegen_async.emulator",
            "--port",
            "0",
            "--rate-limits",
            "off",
            "--seed-runs",
            "200",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if "listening on" not in line:
        proc.kill()
        raise RuntimeError(f"emulator did not start: {line!r}")
    return proc, line.rsplit(" ", 1)[1]


async def measure(url: str, seconds: float, concurrency: int) -> tuple[float, int, int]:
    """(requests per second, requests done, errors) for ``seconds`` at ``concurrency``."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    done = 0
    errors = 0
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done, errors
            while time.perf_counter() < deadline:
                async with session.get(url) as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors += 1
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return done / elapsed, done, errors


async def run(seconds: float, concurrency: int) -> dict[str, float]:
    proc, base = start_emulator()
    try:
        async with (
            aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as session,
            session.get(f"{base}/v1/organizations/{ORG}/agent/runs?limit=1") as resp,
        ):
            run_id = (await resp.json())["items"][0]["id"]
        scenarios = {
            "get_one_run": f"{base}/v1/organizations/{ORG}/agent/run/{run_id}",
            "list_100_runs": f"{base}/v1/organizations/{ORG}/agent/runs?limit=100",
        }
        results: dict[str, float] = {}
        for name, url in scenarios.items():
            await measure(url, 0.5, concurrency)  # warm-up
            cpu_before = cpu_seconds(proc.pid)
            rps, n, errors = await measure(url, seconds, concurrency)
            cpu_after = cpu_seconds(proc.pid)
            if errors:
                raise RuntimeError(f"{name}: {errors} non-200 answers")
            results[name] = round(rps)
            line = f"{name:>14}: {rps:8.0f} req/s  ({n} requests, concurrency {concurrency})"
            if cpu_before is not None and cpu_after is not None and n:
                per_req = (cpu_after - cpu_before) / n
                results[f"{name}_server_us_per_req"] = round(per_req * 1e6, 1)
                results[f"{name}_server_capacity"] = round(1 / per_req) if per_req else 0
                line += f"; emulator CPU {per_req * 1e6:.0f} us/req (~{1 / per_req:.0f} req/s/core)"
            print(line)
        return results
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results = asyncio.run(run(args.seconds, args.concurrency))
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
