"""GET one run against the emulator: our clients next to raw aiohttp and raw urllib3.

``python -m benchmarks.client_vs_emulator [--rounds 3] [--requests 4000]``

The emulator runs in its own process (limits off, 1,000 seeded runs); every contender runs
in a fresh process per round, rounds interleaved, and reports requests per second. The
emulator does real work per request, so this measures the stack a user develops against;
``benchmarks.run`` measures the client alone against the lean server.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

CONTENDERS = {
    "raw aiohttp + msgspec, 64 tasks": "raw_aiohttp",
    "AsyncCodegenClient, 64 tasks": "ours_async",
    "raw urllib3 + msgspec, 1 thread": "raw_urllib3",
    "CodegenClient, 1 thread": "ours_sync",
}

_CHILD = r"""
import asyncio, sys, time
import msgspec
from codegen_async.models import AgentRun
kind, base, n, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
token, org = "sk-emulator-0000", 323
dec = msgspec.json.Decoder(AgentRun)
first = 1000  # the emulator numbers seeded runs from 1000
path = lambda i: f"/v1/organizations/{org}/agent/run/{first + i % runs}"

async def drive(op, c=64):
    it = iter(range(n))
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
            await drive(op); return await drive(op)
    dt = asyncio.run(main())
elif kind == "ours_async":
    from codegen_async import AsyncCodegenClient, ConfigPresets
    async def main():
        cfg = ConfigPresets.testing(base_url=base, api_token=token, org_id=org, max_retries=0)
        async with AsyncCodegenClient(cfg) as c:
            async def op(i): return await c.get_agent_run(org, first + i % runs)
            await drive(op); return await drive(op)
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
    for i in range(n): op(i)
    dt = time.perf_counter() - t
else:
    from codegen_sync import CodegenClient, ConfigPresets
    cfg = ConfigPresets.testing(base_url=base, api_token=token, org_id=org, max_retries=0)
    with CodegenClient(cfg) as c:
        for i in range(n): c.get_agent_run(org, first + i % runs)
        t = time.perf_counter()
        for i in range(n): c.get_agent_run(org, first + i % runs)
        dt = time.perf_counter() - t
print(n / dt)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=4000)
    args = parser.parse_args()
    runs = 1000
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "codegen_async.emulator", "--port", "0"),
            *("--rate-limits", "off", "--seed-runs", str(runs)),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline() if server.stdout else ""
        base = line.strip().rsplit(" ", 1)[-1]
        if not base.startswith("http://127.0.0.1:"):
            raise SystemExit(f"emulator did not start: {line!r}")
        results: dict[str, list[float]] = {name: [] for name in CONTENDERS}
        for _ in range(args.rounds):
            for name, kind in CONTENDERS.items():
                out = subprocess.run(
                    [sys.executable, "-c", _CHILD, kind, base, str(args.requests), str(runs)],
                    capture_output=True,
                    text=True,
                    timeout=600,
                    check=True,
                )
                results[name].append(float(out.stdout.strip()))
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(10)
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
    print(json.dumps({"rounds": args.rounds, "requests": args.requests, "req_per_s": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
