"""``codegen-client runs ACTION``: list, get, create, wait, logs, resume."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from time import monotonic
from typing import Any

from .. import AsyncCodegenClient
from ..errors import WaitTimeoutError
from ..models import PAUSED_STATUSES, TERMINAL_STATUSES, AgentRun, AgentRunLog
from ._exit import EXIT_FAILED, EXIT_OK
from ._org import org_id
from ._output import Output, format_time
from ._usage import UsageError

__all__ = ["read_metadata", "read_prompt", "run_action"]

_LOG_PAGE = 100
_COMPLETE = frozenset({"COMPLETE", "COMPLETED"})  # what AgentRun.is_successful accepts


async def run_action(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    """Run ``runs <action>``; returns the exit status."""
    return await _ACTIONS[args.runs_command](client, args, out)


def _run_rows(runs: list[AgentRun]) -> list[list[Any]]:
    rows = []
    for r in runs:
        text = (r.summary or r.result or "").replace("\n", " ")
        rows.append([r.id, r.status, r.source_type, format_time(r.created_at), text[:60]])
    return rows


def _print_runs(out: Output, runs: list[AgentRun], title: str | None = None) -> None:
    if out.as_json:
        for run in runs:
            out.json(run.dict())
    else:
        out.table(
            ["id", "status", "source", "created", "summary"],
            _run_rows(runs),
            title=title,
            status_column=1,
        )


def _print_run(out: Output, run: AgentRun) -> None:
    if out.as_json:
        out.json(run.dict())
        return
    out.table(
        ["field", "value"],
        [
            ["id", run.id],
            ["status", run.status],
            ["created", format_time(run.created_at)],
            ["source", run.source_type],
            ["web_url", run.web_url],
            ["summary", run.summary],
            ["result", run.result],
            [
                "pull requests",
                ", ".join(p.url or str(p.id) for p in run.github_pull_requests or []),
            ],
        ],
        title=f"Agent run {run.id}",
    )


def _exit_of(runs: list[AgentRun]) -> int:
    """0 when every run completed, 1 when any ended otherwise (FAILED, ERROR, ...)."""
    return EXIT_OK if all(r.is_successful for r in runs) else EXIT_FAILED


async def _list(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    org = await org_id(client)
    user_id = source = None
    if args.mine:
        user_id, source = (await client.get_current_user()).id, "API"
    runs = [
        run
        async for run in client.stream_agent_runs(
            org, status=args.status, user_id=user_id, source_type=source, max_items=args.limit
        )
    ]
    _print_runs(out, runs, title="Agent runs (newest first)")
    return EXIT_OK


async def _get(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    run = await client.get_agent_run(await org_id(client), args.run_id, cache=False)
    _print_run(out, run)
    return EXIT_OK


def read_prompt(prompt: str | None, prompt_file: str | None) -> str:
    """The prompt from the argument, stdin (``-``) or ``--prompt-file``; never empty."""
    if prompt is not None and prompt_file is not None:
        raise UsageError("give the prompt or --prompt-file, not both")
    if prompt_file is not None:
        try:
            text = Path(prompt_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read --prompt-file {prompt_file}: {exc}") from None
    elif prompt == "-":
        text = sys.stdin.read()
    elif prompt is None:
        raise UsageError("no prompt: give it as an argument, - for stdin, or --prompt-file")
    else:
        text = prompt
    if not text.strip():
        raise UsageError("the prompt is empty")
    return text


def read_metadata(text: str | None) -> dict[str, Any] | None:
    """``--metadata``: a JSON object, else :class:`UsageError`."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--metadata is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise UsageError(f"--metadata must be a JSON object, got {type(value).__name__}")
    return value


async def _create(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    prompt = read_prompt(args.prompt, args.prompt_file)
    metadata = read_metadata(args.metadata)
    org = await org_id(client)
    run = await client.create_agent_run(
        org, prompt, metadata, repo_id=args.repo_id, model=args.model
    )
    if not out.as_json:
        out.message(f"created agent run {run.id}: {run.web_url or ''}")
    if not args.wait:
        _print_run(out, run)
        return EXIT_OK
    run = (await client.wait_for_all(org, [run.id], timeout=args.timeout))[run.id]
    _print_run(out, run)
    return _exit_of([run])


async def _wait(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    def show(event: Any) -> None:
        if not out.as_json:
            out.message(f"run {event.id}: {event.data.status}")

    org = await org_id(client)
    runs = await client.wait_for_all(org, args.run_ids, timeout=args.timeout, on_event=show)
    _print_runs(out, list(runs.values()))
    return _exit_of(list(runs.values()))


def _log_row(e: AgentRunLog) -> list[str]:
    text = e.thought or (e.observation if isinstance(e.observation, str) else "") or ""
    return [
        format_time(e.created_at),
        e.message_type or "",
        e.tool_name or "",
        str(text).replace("\n", " ")[:80],
    ]


async def _fetch_logs(
    client: AsyncCodegenClient, org: int, run_id: int, skip: int, limit: int
) -> tuple[list[AgentRunLog], str | None, bool]:
    """Up to ``limit`` entries from ``skip`` on, page by page: (entries, status, settled).

    Settled: the run is terminal or paused (waiting for input), as ``runs wait`` sees it.
    """
    entries: list[AgentRunLog] = []
    status: str | None = None
    settled = False
    while len(entries) < limit:
        want = min(_LOG_PAGE, limit - len(entries))
        page = await client.get_agent_run_logs(org, run_id, skip=skip + len(entries), limit=want)
        entries += page.logs
        status = page.status
        settled = (status or "").upper() in TERMINAL_STATUSES | PAUSED_STATUSES
        if len(page.logs) < want:
            break
    return entries, status, settled


async def _logs(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    org = await org_id(client)
    if not args.follow:
        entries, _, _ = await _fetch_logs(client, org, args.run_id, 0, args.limit)
        if out.as_json:
            for entry in entries:
                out.json(entry.dict())
        else:
            out.table(
                ["time", "type", "tool", "text"],
                [_log_row(e) for e in entries],
                title=f"Logs of run {args.run_id}",
            )
        return EXIT_OK
    return await _follow(client, org, args, out)


async def _follow(
    client: AsyncCodegenClient, org: int, args: argparse.Namespace, out: Output
) -> int:
    """Print new log lines until the run is terminal or paused, or ``--timeout`` passes.

    Exits like ``runs wait``: 0 when the run completed, 1 otherwise.
    """
    deadline = monotonic() + args.timeout
    seen = 0
    delay = client.config.poll_interval
    while True:
        entries, status, settled = await _fetch_logs(client, org, args.run_id, seen, 10_000)
        seen += len(entries)
        for entry in entries:
            if out.as_json:
                out.json(entry.dict())
            else:
                out.line("  ".join(_log_row(entry)))
        if settled:
            if not out.as_json:
                out.message(f"run {args.run_id}: {status}")
            return EXIT_OK if (status or "").upper() in _COMPLETE else EXIT_FAILED
        left = deadline - monotonic()
        if left <= 0:
            raise WaitTimeoutError(f"run {args.run_id} still {status} after {args.timeout:g} s")
        await asyncio.sleep(min(delay, left))
        delay = min(delay * 1.5, 15 * client.config.poll_interval)


async def _resume(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    run = await client.resume_agent_run(await org_id(client), args.run_id, args.prompt)
    _print_run(out, run)
    return EXIT_OK


_Action = Callable[[AsyncCodegenClient, argparse.Namespace, Output], Awaitable[int]]
_ACTIONS: dict[str, _Action] = {
    "list": _list,
    "get": _get,
    "create": _create,
    "wait": _wait,
    "logs": _logs,
    "resume": _resume,
}
