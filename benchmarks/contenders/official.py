"""The official generated client ``codegen-api-client`` 1.0.0 (sync, urllib3 + pydantic models).

GET and create use its generated ``AgentsApi`` methods.  Version 1.0.0 has no list-runs
method, so the list workload goes through the same generated machinery a user would fall back
to (``ApiClient.param_serialize`` / ``call_api`` / ``response_deserialize``) and builds the
official ``AgentRunResponse`` model for each item.
"""

from __future__ import annotations

from typing import Any

from codegen_api_client import AgentRunResponse, AgentsApi, ApiClient, Configuration
from codegen_api_client.models import CreateAgentRunInput

from benchmarks.contenders._common import AUTH_HEADER, METADATA, PROMPT, Timer, run_sync
from benchmarks.payloads import ORG_ID, PAGE_LIMIT

_LIST_TYPES: dict[str, str | None] = {"200": "object", "422": "HTTPValidationError"}


class OfficialPage:
    """What a user of the official client would wrap a list response in."""

    __slots__ = ("items", "page", "pages", "size", "total")

    def __init__(self, data: dict[str, Any]) -> None:
        self.items = [AgentRunResponse.from_dict(item) for item in data["items"]]
        self.total = data["total"]
        self.page = data["page"]
        self.size = data["size"]
        self.pages = data["pages"]


def run(
    workload: str,
    base_url: str,
    n_requests: int,
    concurrency: int,
    *,
    timer: Timer,
    variant: str = "",
) -> None:
    """Protocol entry point (one thread, as the generated client is used)."""
    config = Configuration(host=base_url)
    config.connection_pool_maxsize = max(concurrency, 1)
    with ApiClient(config) as api_client:
        api = AgentsApi(api_client)

        def get(run_id: int) -> AgentRunResponse:
            return api.get_agent_run_v1_organizations_org_id_agent_run_agent_run_id_get(
                agent_run_id=run_id, org_id=ORG_ID, authorization=AUTH_HEADER
            )

        def list_(_: int) -> OfficialPage:
            params = api_client.param_serialize(
                method="GET",
                resource_path="/v1/organizations/{org_id}/agent/runs",
                path_params={"org_id": ORG_ID},
                query_params=[("skip", 0), ("limit", PAGE_LIMIT)],
                header_params={"authorization": AUTH_HEADER, "Accept": "application/json"},
            )
            response = api_client.call_api(*params)
            response.read()
            data = api_client.response_deserialize(response, _LIST_TYPES).data
            return OfficialPage(data)

        def create(_: int) -> AgentRunResponse:
            body = CreateAgentRunInput(prompt=PROMPT, metadata=METADATA)
            return api.create_agent_run_v1_organizations_org_id_agent_run_post(
                org_id=ORG_ID, create_agent_run_input=body, authorization=AUTH_HEADER
            )

        run_sync(
            workload, n_requests, concurrency, timer, {"get": get, "list": list_, "create": create}
        )
