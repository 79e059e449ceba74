"""Our ``CodegenClient`` (urllib3 + msgspec), threads sharing one client; variants in ``_ours``."""

from __future__ import annotations

from typing import Any

from benchmarks.contenders._common import METADATA, PROMPT, Timer, run_sync
from benchmarks.contenders._ours import make_config
from benchmarks.payloads import ORG_ID, PAGE_LIMIT
from codegen_sync import CodegenClient, CodegenConfig


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
    config = make_config(CodegenConfig, base_url, variant, timer)
    with CodegenClient(config) as client:

        def get(run_id: int) -> Any:
            return client.get_agent_run(ORG_ID, run_id)

        def list_(_: int) -> Any:
            return client.get_agent_runs(ORG_ID, page=1, per_page=PAGE_LIMIT)

        def create(_: int) -> Any:
            return client.create_agent_run(ORG_ID, PROMPT, metadata=METADATA)

        run_sync(
            workload, n_requests, concurrency, timer, {"get": get, "list": list_, "create": create}
        )
