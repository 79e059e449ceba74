"""Our ``AsyncCodegenClient`` (aiohttp + msgspec); variants in ``_ours``."""

from __future__ import annotations

import asyncio
from typing import Any

from benchmarks.contenders._common import METADATA, PROMPT, Timer, run_async
from benchmarks.contenders._ours import make_config
from benchmarks.payloads import ORG_ID, PAGE_LIMIT
from codegen_async import AsyncCodegenClient, CodegenConfig


async def _main(
    workload: str, base_url: str, n: int, concurrency: int, *, timer: Timer, variant: str
) -> None:
    config = make_config(CodegenConfig, base_url, variant, timer)
    async with AsyncCodegenClient(config) as client:

        async def get(run_id: int) -> Any:
            return await client.get_agent_run(ORG_ID, run_id)

        async def list_(_: int) -> Any:
            return await client.get_agent_runs(ORG_ID, page=1, per_page=PAGE_LIMIT)

        async def create(_: int) -> Any:
            return await client.create_agent_run(ORG_ID, PROMPT, metadata=METADATA)

        await run_async(
            workload, n, concurrency, timer, {"get": get, "list": list_, "create": create}
        )


def run(
    workload: str,
    base_url: str,
    n_requests: int,
    concurrency: int,
    *,
    timer: Timer,
    variant: str = "limited",
) -> None:
    """Protocol entry point."""
    asyncio.run(_main(workload, base_url, n_requests, concurrency, timer=timer, variant=variant))
