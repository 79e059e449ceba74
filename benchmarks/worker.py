"""Run one contender for one workload in this (fresh) process and print one JSON result line.

Usage: ``python -m benchmarks.worker MODULE WORKLOAD BASE_URL N CONCURRENCY WARMUP [VARIANT]``

Output protocol on stdout: an optional ``T0`` line when the timed window opens, then exactly
one JSON line: ``{"n", "wall", "cpu", "notes"}`` or ``{"unavailable": reason}`` or
``{"error": text}``.  The harness only ever reads these lines.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.contenders._common import Timer


def main(argv: list[str]) -> int:
    """Import the contender, run it, report; return the exit status."""
    module_name, workload, base_url, n, concurrency, warmup = argv[:6]
    variant = argv[6] if len(argv) > 6 else ""
    try:
        module = importlib.import_module(f"benchmarks.contenders.{module_name}")
    except ImportError as exc:
        print(json.dumps({"unavailable": f"{type(exc).__name__}: {exc}"}), flush=True)
        return 0
    timer = Timer(int(warmup))
    try:
        module.run(workload, base_url, int(n), int(concurrency), timer=timer, variant=variant)
    except Exception as exc:
        last = traceback.format_exc(limit=-3)
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}", "trace": last}), flush=True)
        return 1
    result = {"n": int(n), "wall": timer.wall, "cpu": timer.cpu, "notes": timer.notes}
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
