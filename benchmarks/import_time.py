"""Import time of our packages against their dependencies, each in a fresh interpreter.

Every sample is a new ``python -c`` process that times only the ``import`` statement (not the
interpreter's own start-up), so nothing is cached in ``sys.modules``.  Targets are interleaved
round by round and the median is reported.  It also records whether ``import codegen_sync``
pulled in ``aiohttp`` (it must not).

``python -m benchmarks.import_time [--repeat 21] [--json]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

TARGETS: dict[str, str] = {
    # The package __init__ is lazy (PEP 562), so a bare `import codegen_sync` proves little:
    # the target is what a program does, importing the client class.
    "codegen_sync": "from codegen_sync import CodegenClient",
    "codegen_async": "from codegen_async import AsyncCodegenClient",
    "codegen_sync (package only)": "import codegen_sync",
    "urllib3 + msgspec": "import urllib3, msgspec",
    "urllib3": "import urllib3",
    "msgspec": "import msgspec",
    "aiohttp": "import aiohttp",
    "codegen_api_client (official)": "import codegen_api_client",
    "httpx": "import httpx",
    "requests": "import requests",
}

_HEAVY = ("aiohttp", "asyncio", "pydantic", "httpx", "requests")
_PROBE = """
import sys, time
t0 = time.perf_counter()
{stmt}
dt = time.perf_counter() - t0
heavy = [m for m in {heavy!r} if m in sys.modules]
import json
print(json.dumps([dt, heavy]))
"""


def _sample(stmt: str) -> tuple[float, list[str]] | str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEGEN_", "COVERAGE_"))}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE.format(stmt=stmt, heavy=_HEAVY)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or ["failed"])[-1]
    dt, heavy = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(dt), list(heavy)


def measure(repeat: int) -> dict[str, Any]:
    """Median import milliseconds per target, interleaved, after one uncounted warm-up each."""
    samples: dict[str, list[float]] = {name: [] for name in TARGETS}
    loaded: dict[str, list[str]] = {}
    failed: dict[str, str] = {}
    for round_no in range(repeat + 1):
        for name, stmt in TARGETS.items():
            if name in failed:
                continue
            result = _sample(stmt)
            if isinstance(result, str):
                failed[name] = result
                continue
            if round_no:  # round 0 warms the page cache and writes .pyc files
                samples[name].append(result[0] * 1000)
            loaded[name] = result[1]
    out: dict[str, Any] = {"repeat": repeat, "results": {}}
    for name in TARGETS:
        if name in failed:
            out["results"][name] = {"unavailable": failed[name]}
            continue
        values = samples[name]
        out["results"][name] = {
            "ms": statistics.median(values),
            "min": min(values),
            "max": max(values),
            "also_imported": loaded[name],
        }
    res = out["results"]
    sync, floor = res.get("codegen_sync", {}), res.get("urllib3 + msgspec", {})
    if "ms" in sync and "ms" in floor:
        out["codegen_sync_x_floor"] = sync["ms"] / floor["ms"]
        out["codegen_sync_imports_aiohttp"] = "aiohttp" in sync["also_imported"]
    return out


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21, help="samples per target")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    out = measure(args.repeat)
    if args.json:
        print(json.dumps(out))
        return
    for name, value in out["results"].items():
        if "unavailable" in value:
            print(f"{name:32} unavailable: {value['unavailable']}")
        else:
            extra = ", ".join(value["also_imported"]) or "-"
            print(
                f"{name:32} {value['ms']:7.1f} ms  ({value['min']:.1f}-{value['max']:.1f})  {extra}"
            )
    if "codegen_sync_x_floor" in out:
        print(f"codegen_sync / (urllib3 + msgspec) = {out['codegen_sync_x_floor']:.2f}")
        print(f"codegen_sync imports aiohttp: {out['codegen_sync_imports_aiohttp']}")


if __name__ == "__main__":
    main()
