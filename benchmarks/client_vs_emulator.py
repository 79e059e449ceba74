"""GET one run against the emulator: our clients next to raw aiohttp and raw urllib3.

``python -m benchmarks.client_vs_emulator [--rounds 5] [--requests 16000] [--sync-requests 6000]``

The emulator runs in its own process (its limits off, enough seeded runs that no run is
fetched twice); every contender runs in a fresh process per round, rounds interleaved,
and reports requests per second. The emulator does real work per request, so this
measures the stack a user develops against; ``benchmarks.run`` measures the client alone
against the lean server.

Our clients run in the variants of ``benchmarks.contenders._ours``: "limited" (rate
limiter on, limits far too high to bind), "off" and "on". The overhead verdict on "on"
against "off" comes from ``benchmarks.feature_overhead``, which pairs them much more
tightly (both in one process, taking turns in short blocks); here they are separate
processes, seconds apart, so their ratio carries the machine's drift.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from benchmarks._procs import emulator_server

CONTENDERS = {
    "raw aiohttp + msgspec, 64 tasks": ("raw_aiohttp", ""),
    "AsyncCodegenClient, 64 tasks": ("ours_async", "limited"),
    "AsyncCodegenClient features off, 64 tasks": ("ours_async", "off"),
    "AsyncCodegenClient features on, 64 tasks": ("ours_async", "on"),
    "raw urllib3 + msgspec, 1 thread": ("raw_urllib3", ""),
    "CodegenClient, 1 thread": ("ours_sync", "limited"),
    "CodegenClient features off, 1 thread": ("ours_sync", "off"),
    "CodegenClient features on, 1 thread": ("ours_sync", "on"),
}
_CHILD = r"""
import asyncio, sys, time
import msgspec
from benchmarks.contenders._common import Timer
from benchmarks.contenders._ours import make_config
from codegen_async.models import AgentRun
kind, variant, base, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
token, org = "sk-emulator-0000", 323
dec = msgspec.json.Decoder(AgentRun)
first = 1000  # the emulator numbers seeded runs from 1000; the warm-up takes the first n
path = lambda i: f"/v1/organizations/{org}/agent/run/{first + i}"

def config(cls):
    return make_config(cls, base, variant, Timer(0)).replace(api_token=token, org_id=org)

async def drive(op, start, c=64):
    it = iter(range(start, start + n))
    async def w():
        for i in it:
            await op(i)
    t = time.perf_counter(); await asyncio.gather(*(w() for _ in range(c)))
    return time.perf_counter() - t

if kind == "raw_aiohttp":
    import aiohttp
    async def main():
        async with aiohttp.ClientSession(base, headers={"Authorization": f"Bearer {token}"}) as s:
            async def op(i):
                async with s.get(path(i)) as r:
                    data = await r.read(); r.raise_for_status(); return dec.decode(data)
            await drive(op, 0); return await drive(op, n)
    dt = asyncio.run(main())
elif kind == "ours_async":
    from codegen_async import AsyncCodegenClient, CodegenConfig
    async def main():
        async with AsyncCodegenClient(config(CodegenConfig)) as c:
            async def op(i): return await c.get_agent_run(org, first + i)
            await drive(op, 0); return await drive(op, n)
    dt = asyncio.run(main())
elif kind == "raw_urllib3":
    import urllib3
    pool = urllib3.PoolManager().connection_from_url(base)
    hdrs = {"Authorization": f"Bearer {token}"}
    def op(i):
        r = pool.urlopen("GET", path(i), headers=hdrs)
        assert r.status == 200; return dec.decode(r.data)
    for i in range(n): op(i)
    t = time.perf_counter()
    for i in range(n, 2 * n): op(i)
    dt = time.perf_counter() - t
else:
    from codegen_sync import CodegenClient, CodegenConfig
    with CodegenClient(config(CodegenConfig)) as c:
        for i in range(n): c.get_agent_run(org, first + i)
        t = time.perf_counter()
        for i in range(n, 2 * n): c.get_agent_run(org, first + i)
        dt = time.perf_counter() - t
print(n / dt)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=16000, help="per async sample")
    parser.add_argument("--sync-requests", type=int, default=6000, help="per sync sample")
    args = parser.parse_args()
    # Warm-up and timed requests each fetch a run of their own.
    runs = 2 * max(args.requests, args.sync_requests)
    with emulator_server(runs) as base:
        results: dict[str, list[float]] = {name: [] for name in CONTENDERS}
        for _ in range(args.rounds):
            for name, (kind, variant) in CONTENDERS.items():
                n = args.requests if "64 tasks" in name else args.sync_requests
                out = subprocess.run(
                    [sys.executable, "-c", _CHILD, kind, variant or "-", base, str(n)],
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=True,
                )
                results[name].append(float(out.stdout.strip()))
                time.sleep(0.2)
    medians = {name: statistics.median(v) for name, v in results.items()}
    raw = {"async": medians["raw aiohttp + msgspec, 64 tasks"]}
    raw["sync"] = medians["raw urllib3 + msgspec, 1 thread"]
    print("| contender | GET req/s (median) | min-max | x raw |")
    print("|---|---:|---:|---:|")
    for name, values in results.items():
        base_rate = raw["async"] if "64 tasks" in name else raw["sync"]
        print(
            f"| {name} | {medians[name]:,.0f} | {min(values):,.0f}-{max(values):,.0f} "
            f"| {medians[name] / base_rate:.2f} |"
        )
    summary = {"rounds": args.rounds, "requests": args.requests, "req_per_s": results}
    summary["sync_requests"] = args.sync_requests
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
