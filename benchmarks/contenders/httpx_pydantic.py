"""httpx + pydantic v2 models, async (``variant="async"``) or sync (``variant="sync"``)."""

from __future__ import annotations

import asyncio

import httpx

from benchmarks.contenders._common import (
    AUTH_HEADER,
    CREATE_PATH,
    LIST_PATH,
    METADATA,
    PROMPT,
    Timer,
    run_async,
    run_path,
    run_sync,
)
from benchmarks.schemas_pydantic import AgentRunModel, AgentRunPageModel

_HEADERS = {"Authorization": AUTH_HEADER, "Accept": "application/json"}
_BODY = {"prompt": PROMPT, "metadata": METADATA}


def _limits(concurrency: int) -> httpx.Limits:
    return httpx.Limits(
        max_connections=max(concurrency, 1), max_keepalive_connections=max(concurrency, 1)
    )


async def _main_async(workload: str, base_url: str, n: int, concurrency: int, timer: Timer) -> None:
    async with httpx.AsyncClient(
        base_url=base_url, headers=_HEADERS, limits=_limits(concurrency)
    ) as client:

        async def get(run_id: int) -> AgentRunModel:
            resp = (await client.get(run_path(run_id))).raise_for_status()
            return AgentRunModel.model_validate_json(resp.content)

        async def list_(_: int) -> AgentRunPageModel:
            resp = (await client.get(LIST_PATH)).raise_for_status()
            return AgentRunPageModel.model_validate_json(resp.content)

        async def create(_: int) -> AgentRunModel:
            resp = (await client.post(CREATE_PATH, json=_BODY)).raise_for_status()
            return AgentRunModel.model_validate_json(resp.content)

        await run_async(
            workload, n, concurrency, timer, {"get": get, "list": list_, "create": create}
        )


def _main_sync(workload: str, base_url: str, n: int, concurrency: int, timer: Timer) -> None:
    with httpx.Client(base_url=base_url, headers=_HEADERS, limits=_limits(concurrency)) as client:

        def get(run_id: int) -> AgentRunModel:
            resp = client.get(run_path(run_id)).raise_for_status()
            return AgentRunModel.model_validate_json(resp.content)

        def list_(_: int) -> AgentRunPageModel:
            resp = client.get(LIST_PATH).raise_for_status()
            return AgentRunPageModel.model_validate_json(resp.content)

        def create(_: int) -> AgentRunModel:
            resp = client.post(CREATE_PATH, json=_BODY).raise_for_status()
            return AgentRunModel.model_validate_json(resp.content)

        run_sync(workload, n, concurrency, timer, {"get": get, "list": list_, "create": create})


def run(
    workload: str,
    base_url: str,
    n_requests: int,
    concurrency: int,
    *,
    timer: Timer,
    variant: str = "async",
) -> None:
    """Protocol entry point."""
    if variant == "sync":
        _main_sync(workload, base_url, n_requests, concurrency, timer)
    else:
        asyncio.run(_main_async(workload, base_url, n_requests, concurrency, timer))
