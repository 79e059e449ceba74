"""Drive a shared bulk job end to end: an emulator process, worker processes, checks.

Used by the scale-out tests (small jobs) and by ``benchmarks/scale_out.py`` (1,000
prompts). The emulator runs in its own process with its real limits at a time scale,
and serves its accounting over ``/_emulator/accounting`` so that nothing here shares
memory with the workers.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("CODEGEN_RATE_LIMIT_BACKEND", None)
    return env


@contextlib.contextmanager
def emulator_process(time_scale: float, *, port: int, faults: str = "") -> Iterator[str]:
    """``python -m codegen_async.emulator --admin`` on ``port`` (with the emulator's
    ``--faults``, if given); yields its URL."""
    command = [PYTHON, "-m", "codegen_async.emulator", "--port", str(port), "--admin"]
    command += ["--time-scale", str(time_scale), "--run-duration", "5,60"]
    proc = subprocess.Popen(
        command + (["--faults", faults] if faults else []),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_env(),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().decode()
        if "listening" not in line:
            raise RuntimeError(f"the emulator did not start: {line!r}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck emulator
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def accounting(base_url: str) -> dict[str, Any]:
    """The emulator's accounting snapshot, over its admin endpoint."""
    with urllib.request.urlopen(base_url + "/_emulator/accounting", timeout=10) as resp:
        data: dict[str, Any] = json.loads(resp.read())
    return data


def start_worker(
    base_url: str,
    redis_url: str,
    job: str,
    time_scale: float,
    *,
    client: str = "sync",
    concurrency: int = 5,
    lease: float = 2.0,
    grace: float = 1.0,
) -> subprocess.Popen[bytes]:
    """One worker process of ``job``."""
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "tests.redis.worker",
            "--base-url",
            base_url,
            "--redis",
            redis_url,
            "--job",
            job,
            "--time-scale",
            str(time_scale),
            "--client",
            client,
            "--concurrency",
            str(concurrency),
            "--lease",
            str(lease),
            "--grace",
            str(grace),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=_env(),
    )


def finish(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, str, str]:
    """Wait for a worker; its exit status, stdout and stderr."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=10)
    return proc.returncode, (out or b"").decode(), (err or b"").decode()


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a worker: no clean-up of any kind runs."""
    proc.send_signal(signal.SIGKILL)


def prompts(n: int, tag: str) -> list[dict[str, Any]]:
    """``n`` distinct create inputs."""
    return [{"prompt": f"{tag} task {i}: fix the flaky test"} for i in range(n)]


def check_job(snap: dict[str, Any], results: Sequence[Any], n: int, job: str) -> dict[str, Any]:
    """Zero 429s, zero duplicates, zero lost inputs: what the emulator and ledger say."""
    creates = [c for c in snap["creates"] if c["created"]]
    by_key: Counter[str] = Counter()
    for c in creates:
        by_key[c["prompt"]] += 1
    settled = [r for r in results if r.success]
    run_ids = [r.data.id for r in settled if r.data is not None]
    return {
        "inputs": n,
        "runs_created": len(creates),
        "duplicates": sum(v - 1 for v in by_key.values() if v > 1),
        "lost": n - len({r.index for r in settled}),
        "ledger_runs_distinct": len(set(run_ids)),
        "rate_limited": int(snap["totals"].get("rate_limited", 0)),
        "statuses": dict(Counter(r.status for r in results)),
        "job": job,
    }


def utilisation(created: int, elapsed: float, time_scale: float) -> float:
    """Creates per wall second, as a share of the create-run limit (10 per 60 s): the
    first window's 10 come free, so ``created - 10`` needed ``elapsed`` seconds."""
    window = 60.0 * time_scale
    best = max(0.0, (created - 10) / 10 * window)
    return best / elapsed if elapsed > 0 else 0.0


def wait_until(predicate: Any, timeout: float, step: float = 0.05) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def _celery_env(base_url: str, redis_url: str, time_scale: float) -> dict[str, str]:
    env = _env()
    env.update(SCALE_REDIS_URL=redis_url, SCALE_BASE_URL=base_url, SCALE_TIME_SCALE=str(time_scale))
    return env


def start_celery_coordinator(
    base_url: str, redis_url: str, time_scale: float, n: int
) -> subprocess.Popen[bytes]:
    """``python -m tests.redis.celery_coordinator n``: fan out, gather, print JSON."""
    return subprocess.Popen(
        [PYTHON, "-m", "tests.redis.celery_coordinator", str(n)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=_celery_env(base_url, redis_url, time_scale),
    )


def start_celery_worker(
    base_url: str, redis_url: str, time_scale: float, *, processes: int = 2, name: str = "w1"
) -> subprocess.Popen[bytes]:
    """``celery -A tests.redis.celery_app worker --pool=prefork -c <processes>``."""
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "tests.redis.celery_app",
            "worker",
            "--pool=prefork",
            "-c",
            str(processes),
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=_celery_env(base_url, redis_url, time_scale),
    )
