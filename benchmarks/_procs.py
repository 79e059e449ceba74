"""Child processes of the benchmarks that need nothing beyond the project: env, emulator.

Kept apart from ``_harness`` (which needs psutil, a ``bench`` extra) so that the test
suite can import what it exercises.
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child_env() -> dict[str, str]:
    """Environment for children: repo importable, no stray debug or coverage hooks."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CODEGEN_", "COVERAGE_PROCESS", "PYTHONASYNCIODEBUG"))
    }
    env["PYTHONPATH"] = str(ROOT) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    return env


@contextlib.contextmanager
def emulator_server(runs: int) -> Iterator[str]:
    """An emulator process on 127.0.0.1 with its limits off and ``runs`` seeded runs."""
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "codegen_async.emulator", "--port", "0"),
            *("--rate-limits", "off", "--seed-runs", str(runs)),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    try:
        # Bounded: an emulator that hangs before its ready line fails the run, not blocks it.
        ready = proc.stdout is not None and select.select([proc.stdout], [], [], 60.0)[0]
        line = proc.stdout.readline() if ready and proc.stdout else ""
        base = line.strip().rsplit(" ", 1)[-1]
        if not base.startswith("http://127.0.0.1:"):
            raise SystemExit(f"emulator did not start: {line!r}")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
