"""Raw urllib3 + msgspec Structs: the stack ``CodegenClient`` sits on (the sync floor)."""

from __future__ import annotations

import urllib3

from benchmarks.contenders._common import (
    AUTH_HEADER,
    CREATE_PATH,
    LIST_PATH,
    METADATA,
    PROMPT,
    Timer,
    run_path,
    run_sync,
)
from benchmarks.schemas import (
    ENCODER,
    PAGE_DECODER,
    RUN_DECODER,
    AgentRun,
    AgentRunPage,
    CreateAgentRun,
)


def run(
    workload: str,
    base_url: str,
    n_requests: int,
    concurrency: int,
    *,
    timer: Timer,
    variant: str = "",
) -> None:
    """Protocol entry point: ``concurrency`` threads share one pool manager."""
    headers = {"Authorization": AUTH_HEADER, "Accept": "application/json"}
    post_headers = {**headers, "Content-Type": "application/json"}
    body = ENCODER.encode(CreateAgentRun(prompt=PROMPT, metadata=METADATA))
    http = urllib3.PoolManager(maxsize=max(concurrency, 1), block=True, retries=False)
    list_url = base_url + LIST_PATH
    create_url = base_url + CREATE_PATH

    def checked(resp: urllib3.BaseHTTPResponse) -> bytes:
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}")
        return resp.data

    def get(run_id: int) -> AgentRun:
        return RUN_DECODER.decode(
            checked(http.request("GET", base_url + run_path(run_id), headers=headers))
        )

    def list_(_: int) -> AgentRunPage:
        return PAGE_DECODER.decode(checked(http.request("GET", list_url, headers=headers)))

    def create(_: int) -> AgentRun:
        resp = http.request("POST", create_url, body=body, headers=post_headers)
        return RUN_DECODER.decode(checked(resp))

    try:
        run_sync(
            workload, n_requests, concurrency, timer, {"get": get, "list": list_, "create": create}
        )
    finally:
        http.clear()
