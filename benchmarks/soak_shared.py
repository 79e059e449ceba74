"""Shared-job soak: one bulk job, four worker processes, faults, and a Redis restart.

    python -m benchmarks.soak_shared [--items 10000] [--workers 4] [--time-scale 0.001]

Starts a redis-server that persists every write (append-only file, ``appendfsync
always``) and an emulator process with the documented limits at the time scale and the
soak's fault mix (:data:`benchmarks.soak.FAULTS`: 5xx, connections dropped before and
after acting, late-acting requests, garbled bodies, 429 bursts) on every endpoint. A
coordinator submits the job; the workers (half sync, half async clients) share it
through the ledger. A third of the way through, redis-server is killed with SIGKILL
and restarted from its file: the workers ride the outage out. At the end the job's
results and its audit are checked against the emulator's own accounting: no duplicate,
no input lost, every unknown reported with its cause. Exit status 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.soak import FAULTS, GRACE
from codegen_sync import CodegenClient
from codegen_sync.scale import SharedBulkJob
from tests.redis import harness as h
from tests.redis.conftest import RedisServer, free_port
from tests.redis.worker import worker_config

_FAULT_FIELDS = (
    "error_rate",
    "drop_before_rate",
    "drop_after_rate",
    "late_rate",
    "late_delay",
    "malformed_rate",
    "burst_429_rate",
    "burst_429_length",
)


def _faults_arg() -> str:
    text = ",".join(f"{name}={getattr(FAULTS, name)}" for name in _FAULT_FIELDS)
    return text + ",error_statuses=" + "|".join(map(str, FAULTS.error_statuses))


def _created(url: str) -> int:
    return sum(1 for c in h.accounting(url)["creates"] if c["created"])


def run(*, items: int, workers: int, time_scale: float, restart_at: float) -> dict[str, Any]:
    """The soak; returns the checked figures."""
    job_id = f"soak-shared-{int(time.time())}"
    configs = h.prompts(items, "shared soak")
    report: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory() as aof,
        h.emulator_process(time_scale, port=free_port(), faults=_faults_arg()) as url,
    ):
        redis = RedisServer(aof_dir=Path(aof)).start()
        try:
            config = worker_config(url, redis.url, time_scale)
            with CodegenClient(config) as client, SharedBulkJob(client, job_id) as job:
                job.submit(configs)
                started = time.monotonic()
                procs = [
                    h.start_worker(
                        url,
                        redis.url,
                        job_id,
                        time_scale,
                        client="sync" if i % 2 == 0 else "async",
                        concurrency=25,
                        lease=5.0,
                        grace=GRACE,
                    )
                    for i in range(workers)
                ]
                restarted = h.wait_until(lambda: _created(url) >= restart_at * items, 600)
                redis.stop()  # SIGKILL: no shutdown of any kind
                time.sleep(0.5)
                redis.restart()  # from its append-only file
                report["redis_restarted"] = restarted
                outcomes = [h.finish(p, timeout=1800) for p in procs]
                report["wall_seconds"] = round(time.monotonic() - started, 1)
                report["worker_exit_statuses"] = [status for status, _, _ in outcomes]
                report["worker_errors"] = [err[-300:] for status, _, err in outcomes if status]
                audit = job.audit()
                results = job.results(audit=audit)
        finally:
            redis.stop()
        snap = h.accounting(url)
    report.update(h.check_job(snap, results, items, job_id))
    # An input without a run is lost only if it was not reported failed or unknown.
    reported = report["statuses"].get("failed", 0) + report["statuses"].get("unknown", 0)
    report["not_created"] = report.pop("lost")
    report["lost"] = report["not_created"] - reported
    per_input = Counter(c["prompt"] for c in snap["creates"] if c["created"])
    report["create_faults"] = dict(Counter(c["fault"] or "none" for c in snap["creates"]))
    for status in ("unknown", "failed"):
        report[f"{status}_causes"] = dict(
            Counter(str(r.error).split(" (", 1)[0][:80] for r in results if r.status == status)
        )
    report["unknown_without_cause"] = sum(
        1 for r in results if r.status == "unknown" and r.error is None
    )
    report["audit"] = {
        "complete": audit.complete,
        "created_once": len(audit.created_once),
        "duplicated": len(audit.duplicated),
        "never_created": len(audit.never_created),
    }
    report["audit_agrees_with_emulator"] = audit.complete and (
        len(audit.created_once),
        len(audit.duplicated),
    ) == (
        sum(1 for n in per_input.values() if n == 1),
        sum(1 for n in per_input.values() if n > 1),
    )
    return report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; exits 1 on any duplicate, lost input or disagreement."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--time-scale", type=float, default=0.001)
    parser.add_argument("--restart-at", type=float, default=1 / 3, help="share created first")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    report = run(
        items=args.items,
        workers=args.workers,
        time_scale=args.time_scale,
        restart_at=args.restart_at,
    )
    if args.json:
        print(json.dumps(report))
    else:
        print(f"shared soak: {args.items} inputs, {args.workers} workers, faults: {FAULTS}")
        width = max(map(len, report))
        for name, value in report.items():
            print(f"  {name:<{width}}  {value}")
    bad = (
        report["duplicates"]
        or report["lost"]
        or report["unknown_without_cause"]
        or not report["audit_agrees_with_emulator"]
        or any(report["worker_exit_statuses"])
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
