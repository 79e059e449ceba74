"""Scale-out benchmark: one token, one 1,000-prompt bulk job, many processes, Redis.

    python benchmarks/scale_out.py [--prompts 1000] [--time-scale 0.01] [--only procs|celery|kill]

Starts a redis-server (free port, no persistence) and an emulator process enforcing the
documented limits at the time scale, then runs the job three ways:

* ``procs``: 4 worker processes (2 sync clients, 2 async) on one shared job;
* ``celery``: 2 Celery workers of 2 prefork processes each (fan_out + gather);
* ``kill``: 4 worker processes, one SIGKILLed a third of the way through.

For each it reports the emulator's 429s (its own limiter would answer 429 to any
request over a limit, so 0 means the combined rate stayed within every limit),
duplicate and lost inputs, and the utilisation of the create-run limit (10 per 60
emulated seconds): the ideal time for the job over the time it took, measured on
the runs' own creation stamps.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from codegen_sync import CodegenClient
from codegen_sync.scale import SharedBulkJob
from tests.redis import harness as h
from tests.redis.conftest import RedisServer, free_port
from tests.redis.worker import worker_config


def _job(url: str, redis_url: str, scale: float, job_id: str) -> SharedBulkJob:
    return SharedBulkJob(CodegenClient(worker_config(url, redis_url, scale)), job_id)


def _report(
    url: str, redis_url: str, scale: float, job_id: str, *, n: int, wall: float
) -> dict[str, Any]:
    job = _job(url, redis_url, scale, job_id)
    try:
        results = job.results()
    finally:
        job.close()
        job._client.close()
    report = h.check_job(h.accounting(url), results, n, job_id)
    stamps = sorted(r.data.created_at for r in results if r.data is not None)
    span = (stamps[-1] - stamps[0]).total_seconds() if len(stamps) > 1 else 0.0
    report["utilisation"] = round((n - 10) / 10 * 60.0 / span, 4) if span else None
    report["wall_seconds"] = round(wall, 1)
    return report


def run_procs(url: str, redis_url: str, scale: float, n: int, *, kill: bool) -> dict[str, Any]:
    job_id = f"{'kill' if kill else 'procs'}-{int(time.time())}"
    job = _job(url, redis_url, scale, job_id)
    try:
        job.submit(h.prompts(n, job_id))
    finally:
        job.close()
        job._client.close()
    started = time.monotonic()
    kinds = ("sync", "async", "sync", "async")
    procs = [h.start_worker(url, redis_url, job_id, scale, client=k, lease=2.0) for k in kinds]
    if kill:
        base = h.accounting(url)["totals"].get("runs_created", 0)
        h.wait_until(
            lambda: h.accounting(url)["totals"].get("runs_created", 0) - base >= n // 3, 600
        )
        h.kill(procs[0])
    codes = [h.finish(p, 1200)[0] for p in procs]
    report = _report(url, redis_url, scale, job_id, n=n, wall=time.monotonic() - started)
    report["exit_codes"] = codes
    return report


def run_celery(url: str, redis_url: str, scale: float, n: int) -> dict[str, Any]:
    workers = [h.start_celery_worker(url, redis_url, scale, name=f"w{i}") for i in range(2)]
    started = time.monotonic()
    try:
        rc, out, err = h.finish(h.start_celery_coordinator(url, redis_url, scale, n), 1200)
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            h.finish(w, 60)
    if rc != 0:
        raise SystemExit(f"coordinator failed: {err[-2000:]}")
    job_id = json.loads(out)["job_id"]
    return _report(url, redis_url, scale, job_id, n=n, wall=time.monotonic() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prompts", type=int, default=1000)
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument("--only", choices=("procs", "celery", "kill"), default=None)
    args = parser.parse_args()
    n, scale = args.prompts, args.time_scale
    server = RedisServer().start()
    out: dict[str, Any] = {}
    try:
        for name in ("procs", "celery", "kill"):
            if args.only not in (None, name):
                continue
            server.flush()
            # A fresh emulator per run: its accounting and windows start empty.
            with h.emulator_process(scale, port=free_port()) as url:
                if name == "celery":
                    out[name] = run_celery(url, server.url, scale, n)
                else:
                    out[name] = run_procs(url, server.url, scale, n, kill=name == "kill")
            print(name, json.dumps(out[name]), flush=True)
    finally:
        server.stop()
    return (
        0
        if all(r["duplicates"] == r["lost"] == r["rate_limited"] == 0 for r in out.values())
        else 1
    )


if __name__ == "__main__":
    sys.exit(main())
