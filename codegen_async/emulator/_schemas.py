"""Response bodies, field for field as ``openapi.json`` declares them (every key serialised)."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = [
    "AgentRunLogResponse",
    "AgentRunResponse",
    "AgentRunWithLogsResponse",
    "CheckSuiteSettingsResponse",
    "EditPRResponse",
    "GithubPullRequestResponse",
    "IntegrationStatus",
    "OAuthProviderResponse",
    "OrganizationIntegrationsResponse",
    "OrganizationResponse",
    "OrganizationSettings",
    "RepoResponse",
    "UserResponse",
    "encode",
    "error_body",
]

encode = msgspec.json.Encoder().encode


class GithubPullRequestResponse(msgspec.Struct):
    id: int
    title: str | None
    url: str | None
    created_at: str
    head_branch_name: str | None


class AgentRunResponse(msgspec.Struct):
    id: int
    organization_id: int
    status: str | None
    created_at: str | None
    web_url: str | None
    result: str | None
    summary: str | None
    source_type: str | None
    github_pull_requests: list[GithubPullRequestResponse] | None
    metadata: dict[str, Any] | None


class AgentRunLogResponse(msgspec.Struct):
    agent_run_id: int
    created_at: str | None
    tool_name: str | None
    message_type: str | None
    thought: str | None
    observation: dict[str, Any] | str | None
    tool_input: dict[str, Any] | None
    tool_output: dict[str, Any] | None


class AgentRunWithLogsResponse(msgspec.Struct):
    id: int
    organization_id: int
    status: str | None
    created_at: str | None
    web_url: str | None
    result: str | None
    metadata: dict[str, Any] | None
    logs: list[AgentRunLogResponse]
    total_logs: int | None
    page: int | None
    size: int | None
    pages: int | None


class UserResponse(msgspec.Struct):
    id: int
    email: str | None
    github_user_id: str
    github_username: str
    avatar_url: str | None
    full_name: str | None
    role: str | None
    is_admin: bool | None


class OrganizationSettings(msgspec.Struct):
    enable_pr_creation: bool = True
    enable_rules_detection: bool = True


class OrganizationResponse(msgspec.Struct):
    id: int
    name: str
    settings: OrganizationSettings


class RepoResponse(msgspec.Struct):
    id: int
    name: str
    full_name: str
    description: str | None
    github_id: str
    organization_id: int
    visibility: str | None
    archived: bool | None
    setup_status: str
    language: str | None


class IntegrationStatus(msgspec.Struct):
    integration_type: str
    active: bool
    token_id: int | None = None
    installation_id: int | None = None
    metadata: dict[str, Any] | None = None


class OrganizationIntegrationsResponse(msgspec.Struct):
    organization_id: int
    organization_name: str
    integrations: list[IntegrationStatus]
    total_active_integrations: int


class CheckSuiteSettingsResponse(msgspec.Struct):
    check_retry_count: int
    ignored_checks: list[str]
    check_retry_counts: dict[str, int]
    custom_prompts: dict[str, str]
    high_priority_apps: list[str]
    available_check_suite_names: list[str]


class EditPRResponse(msgspec.Struct):
    success: bool
    url: str | None = None
    number: int | None = None
    title: str | None = None
    state: str | None = None
    error: str | None = None


class OAuthProviderResponse(msgspec.Struct):
    id: int
    name: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    default_scopes: list[str] | None
    is_mcp: bool
    meta: dict[str, Any] | None = None


def error_body(message: str, status_code: int) -> bytes:
    """A ``{"message", "status_code"}`` body, the shape of every declared error schema."""
    return encode({"message": message, "status_code": status_code})
