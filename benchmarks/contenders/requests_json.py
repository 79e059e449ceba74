"""requests + stdlib ``json`` into plain dataclasses: the no-extra-dependencies choice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests

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


@dataclass(slots=True)
class PullRequest:
    """``GithubPullRequestResponse``."""

    id: int
    created_at: str
    title: str | None = None
    url: str | None = None
    head_branch_name: str | None = None


@dataclass(slots=True)
class AgentRun:
    """``AgentRunResponse``."""

    id: int
    organization_id: int
    status: str | None = None
    created_at: str | None = None
    web_url: str | None = None
    result: str | None = None
    summary: str | None = None
    source_type: str | None = None
    github_pull_requests: list[PullRequest] | None = None
    metadata: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentRun:
        prs = data.get("github_pull_requests")
        if prs is not None:
            data = {**data, "github_pull_requests": [PullRequest(**pr) for pr in prs]}
        return cls(**data)


@dataclass(slots=True)
class AgentRunPage:
    """``Page[AgentRunResponse]``."""

    items: list[AgentRun]
    total: int
    page: int
    size: int
    pages: int


def run(
    workload: str,
    base_url: str,
    n_requests: int,
    concurrency: int,
    *,
    timer: Timer,
    variant: str = "",
) -> None:
    """Protocol entry point (one ``requests.Session``; threads share it)."""
    body = json.dumps({"prompt": PROMPT, "metadata": METADATA}).encode()
    list_url = base_url + LIST_PATH
    create_url = base_url + CREATE_PATH
    with requests.Session() as session:
        session.headers.update({"Authorization": AUTH_HEADER, "Accept": "application/json"})
        post_headers = {"Content-Type": "application/json"}

        def get(run_id: int) -> AgentRun:
            resp = session.get(base_url + run_path(run_id))
            resp.raise_for_status()
            return AgentRun.from_dict(json.loads(resp.content))

        def list_(_: int) -> AgentRunPage:
            resp = session.get(list_url)
            resp.raise_for_status()
            data = json.loads(resp.content)
            items = [AgentRun.from_dict(item) for item in data.pop("items")]
            return AgentRunPage(items=items, **data)

        def create(_: int) -> AgentRun:
            resp = session.post(create_url, data=body, headers=post_headers)
            resp.raise_for_status()
            return AgentRun.from_dict(json.loads(resp.content))

        run_sync(
            workload, n_requests, concurrency, timer, {"get": get, "list": list_, "create": create}
        )
