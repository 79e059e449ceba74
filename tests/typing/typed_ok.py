"""Calls that MUST type-check under ``mypy --strict``, with their exact return types.

Never run: ``tests/typing/test_typing.py`` hands this file to mypy, and so does the normal
``mypy --strict tests``. Each ``assert_type`` pins what a user's type checker sees.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from typing_extensions import assert_type

from codegen_async import (
    AgentRun,
    AgentRunLog,
    AgentRunWithLogs,
    APIResponse,
    AsyncBulkOperations,
    AsyncCodegenClient,
    AsyncRunWatcher,
    BulkProgress,
    BulkResult,
    GithubPullRequest,
    HealthCheck,
    JSONValue,
    Page,
    RequestOptions,
    RunEvent,
    User,
)
from codegen_sync import BulkOperations, CodegenClient, RunWatcher


def show(progress: BulkProgress) -> None:
    """A progress callback."""


def log_event(event: RunEvent) -> bool:
    """An event callback; its return value is ignored."""
    return event.is_terminal


async def async_client(client: AsyncCodegenClient) -> None:
    """The async client's conveniences."""
    assert_type(await client.health_check(), HealthCheck)

    bulk = client.bulk_operations()
    assert_type(bulk, AsyncBulkOperations)
    client.bulk_operations(
        max_concurrent=10,
        max_attempts=3,
        reconcile_rounds=2,
        reconcile_grace=None,
        clock_skew=30.0,
        resend_unknown=True,
    )
    client.bulk_operations(reconcile_grace=60)  # an int is a float
    async with client.bulk_operations() as opened:
        assert_type(opened, AsyncBulkOperations)
        assert_type(await opened.create_agent_runs(323, [{"prompt": "x"}]), list[BulkResult])

    configs: list[dict[str, Any]] = [{"prompt": "a"}, {"prompt": "b", "metadata": {"k": 1}}]
    results = await client.bulk_create_agent_runs(323, configs)
    assert_type(results, list[BulkResult])
    await client.bulk_create_agent_runs(None, configs, 4)
    await client.bulk_create_agent_runs(
        None,
        configs,
        max_concurrent=4,
        job_id="nightly",
        results_file="job.jsonl",
        previous={0: results[0]},
        origin=None,
        reconcile=False,
        audit=False,
        on_progress=show,
        on_result=lambda result: None,
        on_send=lambda index, key: None,
        progress=True,
    )
    assert_type(await client.bulk_get_agent_runs(None, [1, 2], 3), list[BulkResult])
    assert_type(await client.bulk_resume_agent_runs(None, [(1, "go on")]), list[BulkResult])

    watcher = client.watch_agent_runs(323, [1, 2], poll_interval=5, max_poll_interval=60.0)
    assert_type(watcher, AsyncRunWatcher)
    client.watch_agent_runs(
        None, [1], poll_interval=None, backoff=1.5, stop_on_paused=False, use_list=False
    )
    async for event in client.watch_agent_runs(None, [1], max_scan_pages=3):
        assert_type(event, RunEvent)
        assert_type(event.data, AgentRun)

    finals = await client.wait_for_all(323, [1, 2], 60, on_event=log_event, poll_interval=2)
    assert_type(finals, dict[int, AgentRun])
    await client.wait_for_all(None, [1], timeout=None, backoff=3.0, use_list=True)


def sync_client(client: CodegenClient) -> None:
    """The sync client: the same surface, without ``await``."""
    assert_type(client.health_check(), HealthCheck)
    assert_type(client.bulk_operations(max_attempts=5), BulkOperations)
    with client.bulk_operations() as opened:
        assert_type(opened, BulkOperations)
    results = client.bulk_create_agent_runs(323, [{"prompt": "a"}], 2, job_id="j")
    assert_type(results, list[BulkResult])
    assert_type(client.bulk_get_agent_runs(None, [1]), list[BulkResult])
    assert_type(client.bulk_resume_agent_runs(None, [(1, "go on")], 2), list[BulkResult])
    watcher = client.watch_agent_runs(323, [1], poll_interval=5, use_list=False)
    assert_type(watcher, RunWatcher)
    for event in watcher:
        assert_type(event, RunEvent)
    finals = client.wait_for_all(323, [1], on_event=print, max_poll_interval=30)
    assert_type(finals, dict[int, AgentRun])


def models(run: AgentRun, log: AgentRunLog, with_logs: AgentRunWithLogs) -> None:
    """Models: lenient timestamps, plain data, JSON."""
    assert_type(run.created_at, datetime | None)
    assert_type(run.created_at_raw, str | None)
    assert_type(log.created_at, datetime | None)
    assert_type(with_logs.created_at, datetime | None)
    for pr in run.github_pull_requests or []:
        assert_type(pr, GithubPullRequest)
        assert_type(pr.created_at, datetime | None)
    if run.created_at is not None:
        assert_type(run.created_at.isoformat(), str)
    assert_type(run.to_json(), bytes)
    assert_type(run.dict(), dict[str, Any])
    assert_type(run.to_dict(), dict[str, Any])
    assert_type(run.is_terminal, bool)
    built = AgentRun(id=1, organization_id=2, created_at_raw="2025-06-21 11:20:04")
    assert_type(built, AgentRun)
    page = Page(items=[built], total=1)
    assert_type(page, Page[AgentRun])
    assert_type(page.items, list[AgentRun])
    assert_type(User(id=1).to_json(), bytes)


# --- endpoint methods (to be extended) ---


async def async_endpoints(client: AsyncCodegenClient) -> None:
    """Endpoint methods of the async client."""
    assert_type(await client.get_agent_run(323, 1), AgentRun)
    assert_type(await client.get_agent_run(run_id=1, cache=False, timeout=5.0), AgentRun)
    assert_type(await client.get_agent_runs(323), Page[AgentRun])
    assert_type(await client.get_agent_runs(None, 2, 50, source_type="API"), Page[AgentRun])
    assert_type(await client.create_agent_run(323, "Fix the flaky test"), AgentRun)
    assert_type(await client.resume_agent_run(323, 1, "go on"), AgentRun)
    assert_type(await client.get_current_user(), User)
    assert_type(await client.get_user(user_id=7, max_retries=0), User)
    options: RequestOptions = {"timeout": 5.0, "extra_headers": {"X-Trace": "1"}}
    assert_type(await client.get_agent_run(323, 1, **options), AgentRun)
    assert_type(await client.ban_agent_run(323, 1, before_card_order_id="c"), JSONValue)
    quick = client.with_options(timeout=5, max_retries=0)
    assert_type(quick, AsyncCodegenClient)
    raw = await quick.with_raw_response.get_agent_run(run_id=1)
    assert_type(raw, APIResponse[AgentRun])
    assert_type(raw.parse(), AgentRun)
    assert_type(raw.request_id, str | None)
    assert_type(await client.request("GET", "/v1/users/me", cast_to=User), User)
    assert_type(await client.request("GET", "/v1/users/me"), JSONValue)
    raw_page = await client.with_raw_response.get_agent_runs(323, extra_query={"x": True})
    assert_type(raw_page, APIResponse[Page[AgentRun]])


def sync_endpoints(client: CodegenClient) -> None:
    """Endpoint methods of the sync client."""
    assert_type(client.get_agent_run(323, 1), AgentRun)
    assert_type(client.get_agent_runs(323, per_page=10), Page[AgentRun])
    assert_type(client.create_agent_run(prompt="Fix the flaky test"), AgentRun)
    assert_type(client.get_current_user(), User)
    assert_type(client.with_options(org_id=9), CodegenClient)
    assert_type(client.with_raw_response.get_current_user(), APIResponse[User])
    assert_type(client.request("POST", "/v1/x", body={"a": [1]}), JSONValue)
