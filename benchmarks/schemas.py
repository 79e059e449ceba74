"""msgspec Structs the raw baselines decode into, mirroring the API's schemas.

Baselines must pay for typed decoding just as a user would, so each stack gets the model
a user of that stack would write: msgspec ``Struct`` here for the raw msgspec stacks,
pydantic models in :mod:`benchmarks.schemas_pydantic` for httpx/requests.  (The official
client brings its own pydantic models.)  Kept apart so a process only imports what it uses.

``gc=False`` (responses hold no reference cycles) is what msgspec recommends for decoded data
and what our own models use, so a ratio to this baseline measures the client, not the model.
"""

from __future__ import annotations

from typing import Any

import msgspec


class PullRequest(msgspec.Struct, frozen=True, gc=False):
    """``GithubPullRequestResponse``."""

    id: int
    created_at: str
    title: str | None = None
    url: str | None = None
    head_branch_name: str | None = None


class AgentRun(msgspec.Struct, frozen=True, gc=False):
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


class AgentRunPage(msgspec.Struct, frozen=True, gc=False):
    """``Page[AgentRunResponse]``."""

    items: list[AgentRun]
    total: int
    page: int
    size: int
    pages: int


class CreateAgentRun(msgspec.Struct, omit_defaults=True):
    """``CreateAgentRunInput``."""

    prompt: str
    metadata: dict[str, Any] | None = None


RUN_DECODER = msgspec.json.Decoder(AgentRun)
PAGE_DECODER = msgspec.json.Decoder(AgentRunPage)
ENCODER = msgspec.json.Encoder()
