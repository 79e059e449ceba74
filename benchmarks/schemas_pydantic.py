"""pydantic v2 models the httpx/requests baselines decode into, mirroring the API's schemas."""

from __future__ import annotations

from typing import Any

import pydantic


class PullRequestModel(pydantic.BaseModel):
    """``GithubPullRequestResponse`` as a pydantic model."""

    id: int
    created_at: str
    title: str | None = None
    url: str | None = None
    head_branch_name: str | None = None


class AgentRunModel(pydantic.BaseModel):
    """``AgentRunResponse`` as a pydantic model."""

    id: int
    organization_id: int
    status: str | None = None
    created_at: str | None = None
    web_url: str | None = None
    result: str | None = None
    summary: str | None = None
    source_type: str | None = None
    github_pull_requests: list[PullRequestModel] | None = None
    metadata: dict[str, Any] | None = None


class AgentRunPageModel(pydantic.BaseModel):
    """``Page[AgentRunResponse]`` as a pydantic model."""

    items: list[AgentRunModel]
    total: int
    page: int
    size: int
    pages: int
