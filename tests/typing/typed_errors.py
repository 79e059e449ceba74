"""Calls that MUST NOT type-check: each marked line gives exactly the mypy error its
trailing ``E:`` comment names (a substring of the message or of the ``[code]``), and no
unmarked line gives any.

Never run, and left out of the normal ``mypy --strict tests`` (pyproject's mypy
``exclude``): ``tests/typing/test_typing.py`` checks it.
"""

from __future__ import annotations

from datetime import datetime

from codegen_async import AgentRun, AsyncCodegenClient, Page, User
from codegen_sync import CodegenClient


async def async_client(client: AsyncCodegenClient) -> None:
    """Misspelled or mistyped settings of the async client's conveniences."""
    client.bulk_operations(max_attemps=3)  # E: Unexpected keyword argument "max_attemps"
    client.bulk_operations(max_attempts="3")  # E: [arg-type]
    client.bulk_operations(5)  # E: Too many positional arguments
    client.bulk_operations(resend_unknown=None)  # E: "resend_unknown"
    await client.bulk_create_agent_runs(None, [{"prompt": "x"}], job=1)  # E: "job"
    await client.bulk_create_agent_runs(None, [], max_attempts=3)  # E: "max_attempts"
    await client.bulk_create_agent_runs(None, [], on_progress=1)  # E: [arg-type]
    await client.bulk_create_agent_runs(None, "prompt")  # E: [arg-type]
    await client.bulk_get_agent_runs(None, [1], max_concurent=2)  # E: "max_concurent"
    client.watch_agent_runs(None, [1], poll_intervl=5)  # E: Unexpected keyword argument
    client.watch_agent_runs(None, [1], backoff="fast")  # E: [arg-type]
    await client.wait_for_all(None, [1], poll_intervl=5)  # E: "poll_intervl"
    await client.wait_for_all(None, [1], 60, max_poll_interval="1m")  # E: [arg-type]
    await client.wait_for_all(None, [1], on_event=3)  # E: [arg-type]
    events: list[int] = await client.wait_for_all(None, [1])  # E: [assignment]


def sync_client(client: CodegenClient) -> None:
    """The same mistakes against the sync client."""
    client.bulk_operations(max_attemps=3)  # E: Unexpected keyword argument "max_attemps"
    client.bulk_create_agent_runs(None, [], resend=True)  # E: "resend"
    client.watch_agent_runs(None, [1], poll_intervl=5)  # E: "poll_intervl"
    client.wait_for_all(None, [1], stop_on_pause=False)  # E: "stop_on_pause"


def models(run: AgentRun) -> None:
    """Models: the timestamp is optional and read-only; JSON is bytes."""
    run.created_at.isoformat()  # E: Item "None" of "datetime | None" has no attribute
    run.created_at = datetime(2025, 1, 1)  # E: read-only
    AgentRun(id=1, organization_id=2, created_at="2025-06-21")  # E: "created_at"
    text: str = run.to_json()  # E: [assignment]
    page: Page[str] = Page(items=[run])  # E: [list-item]


# --- endpoint methods (to be extended) ---


async def async_endpoints(client: AsyncCodegenClient) -> None:
    """Endpoint methods of the async client."""
    page: Page[AgentRun] = await client.get_agent_run(323, 1)  # E: [assignment]
    await client.get_agent_runs(323, per_pag=10)  # E: "per_pag"
    await client.get_agent_run(323, "1")  # E: [call-overload]
    await client.get_agent_run()  # E: [call-overload]
    await client.get_agent_run(323)  # E: [call-overload]
    await client.resume_agent_run(run_id=1)  # E: [call-overload]
    await client.create_agent_run(323)  # E: [call-overload]
    await client.get_user(323)  # E: [call-overload]
    await client.get_current_user(timout=5)  # E: "timout"
    await client.get_current_user(timeout="5")  # E: [arg-type]
    await client.get_current_user(extra_headers={"X-A": 1})  # E: [dict-item]
    await client.ban_agent_run(323, 1, before_card_order_id=5)  # E: [call-overload]
    client.with_options(timout=5)  # E: "timout"
    await client.with_raw_response.get_agent_run()  # E: [call-overload]
    raw_page: Page[AgentRun] = (  # E: [assignment]
        await client.with_raw_response.get_agent_run(323, 1)
    ).parse()
    status: list[str] = await client.get_oauth_token_status()  # E: [assignment]
    await client.request("GET", "/v1/users/me", cast_to=User, query=[1])  # E: [call-overload]


def sync_endpoints(client: CodegenClient) -> None:
    """Endpoint methods of the sync client."""
    run: AgentRun = client.get_agent_runs(323)  # E: [assignment]
    client.create_agent_run(323, prompt=["a"])  # E: [call-overload]
    client.get_agent_run(run_id=None)  # E: [call-overload]
    user: AgentRun = client.request("GET", "/v1/users/me", cast_to=User)  # E: [assignment]
