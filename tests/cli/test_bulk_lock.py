"""One runner per job: a second ``bulk`` on the same results file refuses, sends nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from codegen_async.cli._exit import EXIT_LOCKED, EXIT_OK
from codegen_async.emulator import Emulator
from tests.cli._support import TOKEN, cli, no_traceback


def _created(emulator: Emulator) -> Counter[str]:
    return Counter(r.prompt for r in emulator.accounting.creates if r.created and r.prompt)


def _slow_job(
    factory: Callable[..., Emulator], tmp_path: Path, tag: str, n: int
) -> tuple[Emulator, dict[str, str], list[str], list[str]]:
    """An emulator with the real create limit on a clock 20x fast (10 creates per 3 s, so
    the job lasts), its environment, ``n`` prompts, and the ``bulk`` arguments."""
    emulator = factory(time_scale=0.05, rate_limits="on", tokens={TOKEN: 1})
    env = {"CODEGEN_API_TOKEN": TOKEN, "CODEGEN_BASE_URL": emulator.url}
    env["CODEGEN_ORG_ID"] = str(emulator.org_id)
    prompts = [f"{tag} {i}" for i in range(n)]
    path = tmp_path / "p.txt"
    path.write_text("\n".join(prompts) + "\n")
    out = tmp_path / "r.jsonl"
    return (
        emulator,
        env,
        prompts,
        ["bulk", str(path), "-o", str(out), "--time-scale", "0.05", "--json"],
    )


def _start(args: list[str], env: dict[str, str], *, capture: bool) -> subprocess.Popen[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CODEGEN_")}
    sink = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "codegen_async.cli", *args],
        env={**base, **env},
        stdout=sink,
        stderr=sink,
        text=True,
    )


def test_a_second_run_of_the_same_job_refuses_and_creates_nothing(
    codegen_emulator_factory: Callable[..., Emulator], tmp_path: Path
) -> None:
    """Two ``bulk`` processes on one results file (two terminals, an overlapping cron):
    the second stops at once with exit 5, naming the holder; every input is created once."""
    emulator, env, prompts, args = _slow_job(codegen_emulator_factory, tmp_path, "locked", 24)
    first = _start(args, env, capture=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not sum(_created(emulator).values()):
            time.sleep(0.02)
        assert first.poll() is None, "the first run ended before the second could start"
        second = cli(*args, env=env)
        stdout, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:  # pragma: no cover
            first.send_signal(signal.SIGKILL)
            first.communicate()
    assert EXIT_LOCKED == second.returncode, second.stderr
    assert f"pid {first.pid}" in second.stderr and "in use by another run" in second.stderr
    no_traceback(second)
    assert EXIT_OK == first.returncode, stderr[-2000:]
    summary = json.loads(stdout)["summary"]
    assert 24 == summary["audit"]["created_once"]
    assert dict.fromkeys(prompts, 1) == dict(_created(emulator))
    # The lock went with the first process: a re-run works and sends nothing new.
    again = cli(*args, env=env)
    assert EXIT_OK == again.returncode, again.stderr
    assert dict.fromkeys(prompts, 1) == dict(_created(emulator))


def test_a_lock_left_by_a_killed_run_is_taken_over(
    codegen_emulator_factory: Callable[..., Emulator], tmp_path: Path
) -> None:
    """A run killed with SIGKILL leaves its lock file behind; the next run takes it over
    (the operating system released the lock with the process) and finishes the job."""
    emulator, env, prompts, args = _slow_job(codegen_emulator_factory, tmp_path, "killed", 15)
    out = Path(args[3])
    first = _start(args, env, capture=False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sum(_created(emulator).values()) < 3:
        time.sleep(0.02)
    first.kill()
    first.wait(timeout=30)
    assert Path(str(out) + ".lock").exists()
    result = cli(*args, "--reconcile-grace", "0.5", env=env, timeout=120)
    assert EXIT_OK == result.returncode, result.stderr
    assert dict.fromkeys(prompts, 1) == dict(_created(emulator))
