"""Raw aiohttp + msgspec Structs: the stack ``AsyncCodegenClient`` sits on (the async floor)."""

from __future__ import annotations

import asyncio

import aiohttp

from benchmarks.contenders._common import (
    AUTH_HEADER,
    CREATE_PATH,
    LIST_PATH,
    METADATA,
    PROMPT,
    Timer,
    run_async,
    run_path,
)
from benchmarks.schemas import (
    ENCODER,
    PAGE_DECODER,
    RUN_DECODER,
    AgentRun,
    AgentRunPage,
    CreateAgentRun,
)


async def _main(workload: str, base_url: str, n: int, concurrency: int, timer: Timer) -> None:
    connector = aiohttp.TCPConnector(limit=max(concurrency, 1))
    headers = {"Authorization": AUTH_HEADER, "Accept": "application/json"}
    body = ENCODER.encode(CreateAgentRun(prompt=PROMPT, metadata=METADATA))
    post_headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession(base_url, connector=connector, headers=headers) as session:

        async def get(run_id: int) -> AgentRun:
            async with session.get(run_path(run_id)) as resp:
                data = await resp.read()
                resp.raise_for_status()
                return RUN_DECODER.decode(data)

        async def list_(_: int) -> AgentRunPage:
            async with session.get(LIST_PATH) as resp:
                data = await resp.read()
                resp.raise_for_status()
                return PAGE_DECODER.decode(data)

        async def create(_: int) -> AgentRun:
            async with session.post(CREATE_PATH, data=body, headers=post_headers) as resp:
                data = await resp.read()
                resp.raise_for_status()
                return RUN_DECODER.decode(data)

        ops = {"get": get, "list": list_, "create": create}
        await run_async(workload, n, concurrency, timer, ops)


def run(
    workload: str,
    base_url: str,
    n_requests: int,
    concurrency: int,
    *,
    timer: Timer,
    variant: str = "",
) -> None:
    """Protocol entry point (see :mod:`benchmarks.contenders._common`)."""
    asyncio.run(_main(workload, base_url, n_requests, concurrency, timer))
