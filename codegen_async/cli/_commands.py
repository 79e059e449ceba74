"""The commands of ``codegen-client`` (each a small coroutine over the async client)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from .._client import AsyncCodegenClient
from ..config import DEFAULT_RATE_LIMITS, CodegenConfig
from ..models import AgentRun
from ._app import UsageError
from ._output import Output

__all__ = ["make_config", "run_command", "scaled_settings"]


def scaled_settings(time_scale: float | None) -> dict[str, Any]:
    """Client settings for a time-scaled emulator: rate-limit windows and polls scaled."""
    if time_scale is None:
        return {}
    return {
        "rate_limits": {g: (n, w * time_scale) for g, (n, w) in DEFAULT_RATE_LIMITS.items()},
        "poll_interval": 2.0 * time_scale,
        "retry_backoff_factor": 0.5 * time_scale,
        "retry_max_delay": max(30.0 * time_scale, 0.01),
    }


def make_config(args: argparse.Namespace) -> CodegenConfig:
    """The client config from flags, then environment; a clear error without a token."""
    token = args.token or os.environ.get("CODEGEN_API_TOKEN", "").strip() or None
    if token is None:
        raise UsageError(
            "no API token: set CODEGEN_API_TOKEN or pass --token "
            "(get one at https://codegen.com/token)"
        )
    settings: dict[str, Any] = {"api_token": token}
    if args.base_url:
        settings["base_url"] = args.base_url
    if args.org_id:
        settings["org_id"] = args.org_id
    settings.update(scaled_settings(args.time_scale))
    return CodegenConfig(**settings)


async def run_command(args: argparse.Namespace, out: Output) -> int:
    """Dispatch one parsed command; returns the exit status."""
    if args.command == "demo":
        from ._demo import demo

        return await demo(args, out)
    config = make_config(args)
    async with AsyncCodegenClient(config) as client:
        if args.command == "bulk":
            from ._bulkcmd import bulk

            return await bulk(client, args, out)
        handler = _HANDLERS[args.command if args.command != "runs" else f"runs {args.runs_command}"]
        return await handler(client, args, out)


async def _whoami(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    user = await client.get_current_user()
    if out.as_json:
        out.json(user.dict())
    else:
        out.table(
            ["id", "github_username", "email", "full_name", "role"],
            [[user.id, user.github_username, user.email, user.full_name, user.role]],
        )
    return 0


async def _orgs(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    page = await client.get_organizations()
    if out.as_json:
        for org in page.items:
            out.json(org.dict())
    else:
        out.table(["id", "name"], [[o.id, o.name] for o in page.items], title="Organizations")
    return 0


async def _repos(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    page = await client.get_repositories(per_page=min(args.limit, 100))
    repos = page.items[: args.limit]
    if out.as_json:
        for repo in repos:
            out.json(repo.dict())
    else:
        out.table(
            ["id", "full_name", "language", "visibility", "setup_status"],
            [[r.id, r.full_name, r.language, r.visibility, r.setup_status] for r in repos],
            title="Repositories",
        )
    return 0


def _run_rows(runs: list[AgentRun]) -> list[list[Any]]:
    rows = []
    for r in runs:
        created = r.created_at.strftime("%Y-%m-%d %H:%M:%S") if r.created_at else ""
        text = (r.summary or r.result or "").replace("\n", " ")
        rows.append([r.id, r.status, r.source_type, created, text[:60]])
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


async def _runs_list(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    user_id = source = None
    if args.mine:
        user_id, source = (await client.get_current_user()).id, "API"
    runs = [
        run
        async for run in client.stream_agent_runs(
            status=args.status, user_id=user_id, source_type=source, max_items=args.limit
        )
    ]
    _print_runs(out, runs, title="Agent runs (newest first)")
    return 0


async def _runs_get(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    run = await client.get_agent_run(run_id=args.run_id, cache=False)
    _print_run(out, run)
    return 0


def _print_run(out: Output, run: AgentRun) -> None:
    if out.as_json:
        out.json(run.dict())
        return
    out.table(
        ["field", "value"],
        [
            ["id", run.id],
            ["status", run.status],
            ["created", run.created_at],
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


async def _runs_create(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    run = await client.create_agent_run(prompt=args.prompt, repo_id=args.repo_id, model=args.model)
    if not out.as_json:
        out.message(f"created agent run {run.id}: {run.web_url or ''}")
    if args.wait:
        runs = await client.wait_for_all(None, [run.id], timeout=args.timeout)
        run = runs[run.id]
    _print_run(out, run)
    return 0 if not args.wait or run.is_successful else 1


async def _runs_wait(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    def show(event: Any) -> None:
        if not out.as_json:
            out.message(f"run {event.id}: {event.data.status}")

    runs = await client.wait_for_all(None, args.run_ids, timeout=args.timeout, on_event=show)
    _print_runs(out, list(runs.values()))
    return 0 if all(r.is_successful for r in runs.values()) else 1


async def _runs_logs(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    page = await client.get_agent_run_logs(run_id=args.run_id, limit=min(args.limit, 100))
    if out.as_json:
        for entry in page.logs:
            out.json(entry.dict())
        return 0
    rows = []
    for e in page.logs:
        when = e.created_at.strftime("%H:%M:%S") if e.created_at else ""
        text = e.thought or (e.observation if isinstance(e.observation, str) else "") or ""
        rows.append([when, e.message_type, e.tool_name, str(text).replace("\n", " ")[:80]])
    out.table(["time", "type", "tool", "text"], rows, title=f"Logs of run {args.run_id}")
    return 0


async def _runs_resume(client: AsyncCodegenClient, args: argparse.Namespace, out: Output) -> int:
    run = await client.resume_agent_run(run_id=args.run_id, prompt=args.prompt)
    _print_run(out, run)
    return 0


_HANDLERS = {
    "whoami": _whoami,
    "orgs": _orgs,
    "repos": _repos,
    "runs list": _runs_list,
    "runs get": _runs_get,
    "runs create": _runs_create,
    "runs wait": _runs_wait,
    "runs logs": _runs_logs,
    "runs resume": _runs_resume,
}
