"""Soak: a bulk job of creates plus waiting, against an emulator injecting faults.

The job creates one agent run per input through ``client.bulk_create_agent_runs`` at
concurrency 100, then waits for every created run with ``client.wait_for_all``. The
emulator (in this process, on 127.0.0.1) answers 10% of requests 500/502/503, drops 3%
of connections before acting and 2% after acting (the run exists, the client never
hears), answers 1% with malformed bodies, starts 429 bursts, and adds latency spikes;
its rate limits are the documented ones on a sped-up clock, and the client's limits
are scaled to match.

At the end the client's results are reconciled with the emulator's own record of every
create request (``accounting.creates``): inputs, runs created, duplicates (an input
with more than one run), lost (an input with no run that the client did not report as
failed, or a run the client reported that does not exist), failures with their cause.

    python -m benchmarks.soak                    # 10,000 inputs, concurrency 100
    python -m benchmarks.soak --items 500 --json
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from codegen_async import AsyncCodegenClient, CodegenConfig, CodegenError
from codegen_async._bulk._types import BulkResult, describe_error
from codegen_async.config import DEFAULT_RATE_LIMITS
from codegen_async.emulator import EmulatorConfig, FaultConfig, parse_faults, serve_in_thread
from codegen_async.emulator._accounting import CreateRecord

FAULTS = FaultConfig(
    error_rate=0.10,
    error_statuses=(500, 502, 503),
    drop_before_rate=0.03,
    drop_after_rate=0.02,
    late_rate=0.01,
    late_delay=1.0,
    malformed_rate=0.01,
    burst_429_rate=0.005,
    burst_429_length=5,
    spike_rate=0.02,
    spike_latency=0.05,
    latency_jitter=0.002,
)
"""The fault mix, applied to every endpoint (creates, lists and gets alike)."""

GRACE = 3.0
"""The runner's grace period: longer than ``late_delay``, so late creates are found."""


def prompt_for(index: int) -> str:
    """The unique prompt of input ``index`` (how the emulator's records name the input)."""
    return f"soak item {index}: fix the flaky test"


@dataclasses.dataclass
class Reconciliation:
    """The client's results against the emulator's record of what it created."""

    inputs: int
    runs_created: int
    reported_created: int
    reported_reconciled: int
    reported_failed: int
    reported_unknown: int
    duplicates: int
    lost: int
    failed_but_created: int
    failures_by_cause: dict[str, int]
    create_requests: int
    create_faults: dict[str, int]

    def rows(self) -> list[tuple[str, Any]]:
        """The table, in print order."""
        rows: list[tuple[str, Any]] = [
            ("inputs", self.inputs),
            ("runs created (emulator)", self.runs_created),
            ("reported created", self.reported_created),
            ("reported reconciled (outcome was unknown)", self.reported_reconciled),
            ("reported failed", self.reported_failed),
            ("reported unknown", self.reported_unknown),
            ("duplicates", self.duplicates),
            ("lost", self.lost),
            ("reported failed but a run exists", self.failed_but_created),
            ("create requests received", self.create_requests),
        ]
        rows += [(f"  create answered with fault {k}", v) for k, v in self.create_faults.items()]
        rows += [(f"  failure: {k}", v) for k, v in self.failures_by_cause.items()]
        return rows


def reconcile(results: Sequence[BulkResult], creates: Sequence[CreateRecord]) -> Reconciliation:
    """Compare one result per input with the emulator's create records (by prompt)."""
    runs_for: dict[str, list[int]] = {}
    for record in creates:
        if record.created and record.run_id is not None and record.prompt is not None:
            runs_for.setdefault(record.prompt, []).append(record.run_id)
    status = Counter(r.status for r in results)
    lost = failed_but_created = 0
    causes: Counter[str] = Counter()
    for result in results:
        runs = runs_for.get(prompt_for(result.index), [])
        if result.success:
            if result.data is None or result.data.id not in runs:
                lost += 1  # the client names a run the server never made for this input
        elif result.status in ("failed", "unknown"):
            causes[f"{result.status} {_cause(result)}"] += 1
            if result.status == "failed" and runs:
                failed_but_created += 1
        elif not runs:
            lost += 1  # cancelled or missing: neither created nor reported failed
    faults = Counter(r.fault or "none" for r in creates)
    return Reconciliation(
        inputs=len(results),
        runs_created=sum(len(v) for v in runs_for.values()),
        reported_created=status["created"],
        reported_reconciled=status["reconciled"],
        reported_failed=status["failed"],
        reported_unknown=status["unknown"],
        duplicates=sum(len(v) - 1 for v in runs_for.values() if len(v) > 1),
        lost=lost,
        failed_but_created=failed_but_created,
        failures_by_cause=dict(sorted(causes.items())),
        create_requests=len(creates),
        create_faults=dict(sorted(faults.items())),
    )


def _cause(result: BulkResult) -> str:
    text = describe_error(result.error)
    return text.split(" (", 1)[0][:60]  # the class and message, without the URL


def client_config(url: str, token: str, org_id: int, time_scale: float) -> CodegenConfig:
    """A client paced by the documented limits on the emulator's sped-up clock."""
    limits = {g: (n, w * time_scale) for g, (n, w) in DEFAULT_RATE_LIMITS.items()}
    return CodegenConfig(
        base_url=url,
        api_token=token,
        org_id=org_id,
        rate_limits=limits,
        max_retries=6,
        retry_backoff_factor=0.005,
        retry_max_delay=0.2,
        timeout=10.0,
        poll_interval=0.05,
        enable_caching=False,
    )


async def soak(
    url: str,
    token: str,
    org_id: int,
    *,
    items: int,
    concurrency: int,
    time_scale: float,
    wait: bool = True,
) -> tuple[list[BulkResult], dict[str, Any]]:
    """Run the bulk job (and the wait); return the results and what was measured."""
    configs = [{"prompt": prompt_for(i)} for i in range(items)]
    config = client_config(url, token, org_id, time_scale)
    stats: dict[str, Any] = {}
    async with AsyncCodegenClient(config) as client:
        started = time.perf_counter()
        bulk = client.bulk_operations(max_concurrent=concurrency, reconcile_grace=GRACE)
        try:
            results = await bulk.create_agent_runs(org_id, configs)
        except CodegenError as exc:
            # The job itself failed: reconcile what it recorded, and say why it stopped.
            results = bulk.results
            stats["job_error"] = describe_error(exc)[:160]
        stats["create_seconds"] = round(time.perf_counter() - started, 2)
        if bulk.audit is not None:
            audit = bulk.audit
            stats["audit"] = {
                "complete": audit.complete,
                "created_once": len(audit.created_once),
                "duplicated": len(audit.duplicated),
                "never_created": len(audit.never_created),
            }
        if wait:
            ids = [r.data.id for r in results if r.success and r.data is not None]
            started = time.perf_counter()
            # Runs last 0.1 s on this clock: keep the watcher's quiet-sweep pause short too.
            final = await client.wait_for_all(org_id, ids, timeout=600.0, max_poll_interval=0.5)
            stats["wait_seconds"] = round(time.perf_counter() - started, 2)
            stats["runs_settled"] = sum(1 for r in final.values() if r.is_terminal or r.is_paused)
            stats["final_statuses"] = dict(Counter(run.status or "?" for run in final.values()))
        client_stats = client.get_stats()
        stats["client_calls"] = client_stats.total_requests
        stats["client_retries"] = client_stats.retries
    return results, stats


def run(
    *,
    items: int = 10_000,
    concurrency: int = 100,
    time_scale: float = 0.001,
    seed: int = 7,
    wait: bool = True,
    faults: FaultConfig = FAULTS,
) -> tuple[Reconciliation, dict[str, Any]]:
    """Start an emulator with ``faults``, soak it, reconcile; return the table and stats."""
    emulator_config = EmulatorConfig(
        time_scale=time_scale, faults=faults, seed=seed, run_duration=(5.0, 120.0)
    )
    with serve_in_thread(emulator_config) as emulator:
        started = time.perf_counter()
        results, stats = asyncio.run(
            soak(
                emulator.url,
                emulator.token,
                emulator.org_id,
                items=items,
                concurrency=concurrency,
                time_scale=time_scale,
                wait=wait,
            )
        )
        stats["total_seconds"] = round(time.perf_counter() - started, 2)
        stats["emulator_requests"] = emulator.accounting.total("requests")
        stats["emulator_faults"] = emulator.accounting.total("faults")
        creates = list(emulator.accounting.creates)
    per_input = Counter(r.prompt for r in creates if r.created and r.prompt is not None)
    if "audit" in stats:
        # The summary comes from the job's audit: it must say what the server holds.
        audit = stats["audit"]
        stats["audit_agrees_with_emulator"] = audit["complete"] and (
            audit["created_once"],
            audit["duplicated"],
        ) == (
            sum(1 for n in per_input.values() if n == 1),
            sum(1 for n in per_input.values() if n > 1),
        )
    return reconcile(results, creates), stats


def _with_changes(faults: FaultConfig, text: str) -> FaultConfig:
    """``faults`` with the fields named in ``text`` (``k=v,...``) changed."""
    given = parse_faults(text)
    named = {part.split("=", 1)[0].strip() for part in text.split(",") if "=" in part}
    changes = {name: getattr(given, name) for name in named}
    return dataclasses.replace(faults, **changes)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; exits 1 on any duplicate, lost input or silent run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--time-scale", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-wait", action="store_true", help="skip waiting for the runs")
    parser.add_argument(
        "--faults",
        default="",
        help="changes to the fault mix, as the emulator's --faults (e.g. malformed_rate=0)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    faults = _with_changes(FAULTS, args.faults)
    table, stats = run(
        items=args.items,
        concurrency=args.concurrency,
        time_scale=args.time_scale,
        seed=args.seed,
        wait=not args.no_wait,
        faults=faults,
    )
    if args.json:
        print(json.dumps({"reconciliation": dataclasses.asdict(table), "stats": stats}))
    else:
        width = max(len(name) for name, _ in table.rows())
        print(f"soak: {args.items} inputs, concurrency {args.concurrency}, seed {args.seed}")
        print(f"faults: {faults}")
        for name, value in table.rows():
            print(f"  {name:<{width}}  {value}")
        for name, value in stats.items():
            print(f"  {name:<{width}}  {value}")
    bad = (
        table.duplicates
        or table.lost
        or table.failed_but_created
        or "job_error" in stats
        or stats.get("audit_agrees_with_emulator") is False
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
