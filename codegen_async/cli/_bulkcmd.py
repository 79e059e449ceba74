"""``codegen-client bulk FILE``: create a run per input, resumably; wait; summarize."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as _dt
import signal
from collections import Counter
from dataclasses import dataclass, field
from time import monotonic
from typing import Any

from .. import AsyncCodegenClient
from .._bulk._jobfile import JobFile, error_dict
from .._bulk._markers import AsyncMarkerSearch
from .._bulk._progress import ProgressBar
from .._bulk._types import BulkResult, JobOrigin, config_key, describe_error
from ..errors import WaitTimeoutError
from ..models import AgentRun
from ._exit import EXIT_DUPLICATES, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNKNOWN
from ._jobfile import read_inputs
from ._org import org_id as _org_id
from ._output import Output

__all__ = ["BulkOptions", "bulk", "run_bulk"]


@dataclass
class BulkOptions:
    """What a bulk job needs besides the client (``bulk`` and ``demo`` share it)."""

    file: str
    output: str
    fmt: str | None = None
    wait: bool = False
    timeout: float = 24 * 3600.0
    max_concurrent: int = 5
    progress: bool = True
    resend_unknown: bool = False
    reconcile_grace: float | None = None
    watch_options: dict[str, Any] = field(default_factory=dict)


async def bulk(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    """The ``bulk`` command."""
    options = BulkOptions(
        file=args.file,
        output=args.output or _default_output(args.file),
        fmt=args.format,
        wait=args.wait,
        timeout=args.timeout,
        max_concurrent=args.max_concurrent,
        progress=not args.no_progress and not args.json,
        resend_unknown=args.resend_unknown,
        reconcile_grace=args.reconcile_grace,
    )
    if args.time_scale is not None:
        options.watch_options["max_poll_interval"] = 120.0 * args.time_scale
    return await run_bulk(client, options, out)


def _default_output(path: str) -> str:
    return ("stdin" if path == "-" else path) + ".results.jsonl"


async def run_bulk(client: AsyncCodegenClient, options: BulkOptions, out: Output) -> int:
    """Run one bulk job end to end; returns the exit status (see ``cli/_exit.py``)."""
    configs = read_inputs(options.file, options.fmt)
    keys = [config_key(i, c) for i, c in enumerate(configs)]
    with JobFile(options.output, keys) as log:  # locked: a second run of the job stops here
        return await _run_locked(client, options, out, configs, log)


async def _run_locked(
    client: AsyncCodegenClient,
    options: BulkOptions,
    out: Output,
    configs: list[dict[str, Any]],
    log: JobFile,
) -> int:
    previous = log.previous
    org = await _org_id(client)
    bulk_ops = client.bulk_operations(
        max_concurrent=options.max_concurrent,
        resend_unknown=options.resend_unknown,
        reconcile_grace=options.reconcile_grace,
    )
    kept = sum(1 for r in previous.results.values() if r.status != "unknown")
    if previous.job is not None and not out.as_json:
        out.message(
            f"resuming job {previous.job} from {options.output}: {kept} of {len(configs)} "
            "already created"
        )
    elif not out.as_json:
        out.message(f"{len(configs)} prompts from {options.file}; results in {options.output}")
    started = monotonic()
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        if task is not None:
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
    bar = (
        ProgressBar(
            "creating runs",
            stream=out.err,
            plain=not out.rich,
            rate_status=client.get_rate_limit_status,
        )
        if options.progress
        else None
    )
    finals: dict[int, AgentRun] = dict(previous.finished)
    interrupted = timed_out = False
    try:
        try:
            results = await bulk_ops.create_agent_runs(
                org, configs, results_file=log, on_progress=bar
            )
        except asyncio.CancelledError:
            interrupted = True
            results = bulk_ops.results
        if options.wait and not interrupted:
            try:
                await _wait(
                    client,
                    org=org,
                    results=results,
                    finals=finals,
                    log=log,
                    options=options,
                    bar=bar,
                )
            except asyncio.CancelledError:
                interrupted = True
            except WaitTimeoutError:
                timed_out = True
    finally:
        if bar is not None:
            bar.close()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)
    summary = summarize(client, results, finals, monotonic() - started, options)
    summary["audit"] = bulk_ops.audit.dict() if bulk_ops.audit is not None else None
    if bar is not None and bar.limits is not None:
        summary["rate_limit_wall_wait_seconds"] = round(bar.limits.wall_wait, 2)
    summary["interrupted"] = interrupted
    summary["wait_timed_out"] = timed_out
    summary["output"] = options.output
    print_summary(out, summary)
    if interrupted:
        out.message("interrupted: re-run the same command to resume (nothing will be duplicated)")
        return EXIT_INTERRUPTED
    return exit_status(summary)


async def audit(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    """The ``audit`` command: what the server holds for a job, from its results file."""
    job, origin, keys = JobFile.read_header(args.results)
    org = await _org_id(client)
    search = AsyncMarkerSearch(client, org, job, origin or JobOrigin(_now(), None, True))
    report = (await search.audit(keys)).dict()
    if out.as_json:
        out.json({"audit": report})
    else:
        rows = [*_audit_rows(report), ["job", job], ["inputs", report["inputs"]]]
        out.table(["", ""], rows, title="Audit", header=False)
    if report["duplicated"]:
        return EXIT_DUPLICATES
    return EXIT_OK if report["complete"] else EXIT_UNKNOWN


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)


def exit_status(summary: dict[str, Any]) -> int:
    """The exit status of a finished job, from its audit first (see ``cli/_exit.py``)."""
    audit = summary.get("audit")
    if audit is not None and audit["duplicated"]:
        return EXIT_DUPLICATES
    if summary["unknown"] or (audit is not None and not audit["complete"]):
        return EXIT_UNKNOWN
    ended_badly = sum(
        n for status, n in summary["completed_by_status"].items() if status in ("FAILED", "ERROR")
    )
    if summary["failed"] or summary["cancelled"] or ended_badly or summary["wait_timed_out"]:
        return EXIT_FAILED
    return EXIT_OK


async def _wait(
    client: AsyncCodegenClient,
    *,
    org: int,
    results: list[BulkResult],
    finals: dict[int, AgentRun],
    log: JobFile,
    options: BulkOptions,
    bar: ProgressBar | None,
) -> None:
    by_run = {r.data.id: r.index for r in results if r.success and r.data is not None}
    todo = [run_id for run_id, index in by_run.items() if index not in finals]
    if not todo:
        return
    if bar is not None:
        bar.reset("waiting for runs")
    watcher = client.watch_agent_runs(org, todo, **options.watch_options)
    wait_started = monotonic()
    from .._bulk._types import BulkProgress

    done = 0
    failed = 0
    async for event in watcher.events(options.timeout):
        if not event.is_terminal and not (event.data.is_paused):
            continue
        index = by_run[event.data.id]
        finals[index] = event.data
        log.finished(index, event.data)
        done += 1
        failed += 1 if event.data.is_terminal and not event.data.is_successful else 0
        if bar is not None:
            bar(
                BulkProgress(
                    total=len(todo),
                    done=done,
                    succeeded=done - failed,
                    failed=failed,
                    unknown=0,
                    in_flight=len(todo) - done,
                    elapsed=monotonic() - wait_started,
                    rate_limit_wait=0.0,
                )
            )


def summarize(
    client: AsyncCodegenClient,
    results: list[BulkResult],
    finals: dict[int, AgentRun],
    elapsed: float,
    options: BulkOptions,
) -> dict[str, Any]:
    """The job's summary as plain data."""
    statuses = Counter(r.status for r in results)
    reasons = Counter(describe_error(r.error) for r in results if r.status == "failed")
    unknown = [
        {"index": r.index, **error_dict(r.error)}
        for r in results
        if r.status == "unknown" and r.error is not None
    ]
    stats = client.get_stats()
    return {
        "inputs": len(results),
        "created": statuses["created"],
        "reconciled": statuses["reconciled"],
        "failed": statuses["failed"],
        "unknown": statuses["unknown"],
        "cancelled": statuses["cancelled"],
        "failure_reasons": dict(reasons.most_common()),
        "unknown_items": unknown[:20],
        "completed_by_status": dict(
            Counter((run.status or "UNKNOWN") for run in finals.values()).most_common()
        ),
        "waited": options.wait,
        "elapsed_seconds": round(elapsed, 2),
        "requests": stats.total_requests + stats.retries,
        "retries": stats.retries,
        "rate_limited_429": stats.rate_limited,
        "rate_limit_wait_seconds": round(stats.time_waiting_for_rate_limit, 2),
        "latency_p50_ms": round(stats.p50 * 1000, 1),
        "latency_p95_ms": round(stats.p95 * 1000, 1),
    }


def print_summary(out: Output, s: dict[str, Any]) -> None:
    """The summary: a table for people, one JSON line with ``--json``."""
    if out.as_json:
        out.json({"summary": s})
        return
    rows: list[list[Any]] = [
        ["inputs", s["inputs"]],
        ["created", s["created"] + s["reconciled"]],
    ]
    if s["reconciled"]:
        rows.append(["  of which reconciled", s["reconciled"]])
    rows.append(["failed", s["failed"]])
    for reason, n in s["failure_reasons"].items():
        rows.append([f"  {n} x", reason])
    if s["unknown"]:
        rows.append(["outcome unknown", s["unknown"]])
        for item in s["unknown_items"][:5]:
            rows.append([f"  input {item['index']}", item["message"]])
    rows += _audit_rows(s.get("audit"))
    if s["cancelled"]:
        rows.append(["not sent (interrupted)", s["cancelled"]])
    if s["waited"]:
        for status, n in s["completed_by_status"].items():
            rows.append([f"finished {status}" if status != "PAUSED" else "paused (need input)", n])
    rows += [
        ["elapsed", f"{s['elapsed_seconds']:.1f} s"],
        ["requests", f"{s['requests']} ({s['retries']} retries, {s['rate_limited_429']} x 429)"],
        ["rate-limit wait", _limit_wait(s)],
        ["latency p50 / p95", f"{s['latency_p50_ms']:.0f} ms / {s['latency_p95_ms']:.0f} ms"],
        ["results file", s["output"]],
    ]
    out.table(["", ""], rows, title="Summary", header=False)


def _audit_rows(audit: dict[str, Any] | None) -> list[list[Any]]:
    """What the server holds, per input: the summary's last word."""
    if audit is None:
        return []
    if not audit["complete"]:
        return [["audit", f"incomplete: {audit['reason']}"]]
    rows: list[list[Any]] = [
        [
            "audit (server)",
            f"{audit['created_once']} created once, {len(audit['duplicated'])} more than once, "
            f"{len(audit['never_created'])} never",
        ]
    ]
    for index, ids in list(audit["duplicated"].items())[:20]:
        rows.append([f"  input {index} duplicated", "runs " + ", ".join(map(str, ids))])
    return rows


def _limit_wait(s: dict[str, Any]) -> str:
    """Wall time items spent waiting for the limiter, when the bar watched it."""
    summed = f"{s['rate_limit_wait_seconds']:.1f} s summed over requests"
    wall = s.get("rate_limit_wall_wait_seconds")
    return summed if wall is None else f"{wall:.1f} s of wall time ({summed})"
