"""Realistic default answers of the mock clients, and how overrides merge into them (pure).

Defaults follow what the real API sends: a new run is ``ACTIVE``, a
fetched one ``COMPLETE``; ids in the request (org, run, user) are echoed back.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Sequence
from typing import Any, NamedTuple

import msgspec

from ..models import (
    AgentRun,
    AgentRunLog,
    AgentRunWithLogs,
    AnalyzeLogsResult,
    CheckSuiteSettings,
    CLIRules,
    EditPRResult,
    OAuthProvider,
    Organization,
    OrganizationIntegrations,
    Page,
    Repository,
    SetupCommandsResult,
    SlackConnectToken,
    User,
)

__all__ = ["MOCK_BASE_URL", "MockCall", "call_context", "merge", "realistic"]

MOCK_BASE_URL = "http://codegen-mock.invalid"
"""The base URL of a mock client (never contacted)."""

_CREATED_AT = "2025-06-21T11:20:04.338398Z"
_ORG = 323
_FINISHED = {
    "status": "COMPLETE",
    "result": "I completed the task.",
    "summary": "Completed the task.",
}

_TYPE_DEFAULTS: dict[Any, dict[str, Any]] = {
    AgentRun: {
        "id": 1001,
        "organization_id": _ORG,
        "status": "ACTIVE",
        "created_at": _CREATED_AT,
        "web_url": "https://codegen.com/agent/trace/1001",
        "result": None,
        "summary": None,
        "source_type": "API",
        "github_pull_requests": [],
        "metadata": None,
    },
    AgentRunWithLogs: {
        "id": 1001,
        "organization_id": _ORG,
        "status": "COMPLETE",
        "created_at": _CREATED_AT,
        "web_url": "https://codegen.com/agent/trace/1001",
        "result": "I completed the task.",
        "logs": [
            {
                "agent_run_id": 1001,
                "created_at": _CREATED_AT,
                "message_type": "PLAN_EVALUATION",
                "thought": "Plan: understand the request, explore, make the change.",
            },
            {
                "agent_run_id": 1001,
                "created_at": _CREATED_AT,
                "tool_name": "run_command",
                "message_type": "ACTION",
                "thought": "Running the tests.",
                "tool_input": {"command": "pytest -q"},
                "tool_output": {"exit_code": 0},
            },
            {
                "agent_run_id": 1001,
                "created_at": _CREATED_AT,
                "message_type": "FINAL_ANSWER",
                "thought": "Done.",
                "observation": "I completed the task.",
            },
        ],
        "total_logs": 3,
        "page": 1,
        "size": 100,
        "pages": 1,
    },
    AgentRunLog: {"agent_run_id": 1001, "created_at": _CREATED_AT, "message_type": "ACTION"},
    User: {
        "id": 1,
        "github_user_id": "583231",
        "github_username": "octocat",
        "email": "octocat@example.com",
        "avatar_url": "https://avatars.githubusercontent.com/u/583231",
        "full_name": "Mona Octocat",
        "role": "MEMBER",
        "is_admin": False,
    },
    Organization: {
        "id": _ORG,
        "name": "Example Org",
        "settings": {"enable_pr_creation": True, "enable_rules_detection": True},
    },
    Repository: {
        "id": 10,
        "name": "example",
        "full_name": "example-org/example",
        "github_id": "100000",
        "organization_id": _ORG,
        "setup_status": "COMPLETED",
        "visibility": "private",
        "archived": False,
        "language": "Python",
    },
    OrganizationIntegrations: {
        "organization_id": _ORG,
        "organization_name": "Example Org",
        "integrations": [{"integration_type": "github", "active": True, "installation_id": 1}],
        "total_active_integrations": 1,
    },
    CheckSuiteSettings: {
        "check_retry_count": 3,
        "ignored_checks": [],
        "check_retry_counts": {},
        "custom_prompts": {},
        "high_priority_apps": [],
        "available_check_suite_names": ["tests", "lint"],
    },
    EditPRResult: {
        "success": True,
        "url": "https://github.com/example-org/example/pull/1",
        "number": 1,
        "title": "Codegen change",
        "state": "open",
    },
    SetupCommandsResult: {
        "agent_run_id": 1001,
        "status": "ACTIVE",
        "url": "https://codegen.com/agent/trace/1001",
    },
    AnalyzeLogsResult: {
        "agent_run_id": 1001,
        "status": "ACTIVE",
        "message": "Started an agent to analyze the sandbox logs.",
    },
    CLIRules: {"organization_rules": "Write tests for every change.", "user_custom_prompt": None},
    OAuthProvider: {
        "id": 1,
        "name": "linear",
        "issuer": "https://linear.app",
        "authorization_endpoint": "https://linear.app/oauth/authorize",
        "token_endpoint": "https://api.linear.app/oauth/token",
        "is_mcp": True,
    },
    SlackConnectToken: {
        "token": "slk-mock-0000",
        "message": "Send this token to the Codegen Slack bot.",
        "expires_in_minutes": 10,
    },
}

# Per method, applied over a run's defaults (the outermost call wins).
_RUN_DEFAULTS: dict[str, dict[str, Any]] = {
    "get_agent_run": _FINISHED,
    "get_agent_runs": _FINISHED,
    "stream_agent_runs": _FINISHED,
    "wait_for_completion": _FINISHED,
    "wait_for_all": _FINISHED,
    "bulk_get_agent_runs": _FINISHED,
}

# Answers of endpoints whose body the spec leaves untyped.
_ANY_DEFAULTS: dict[str, Any] = {
    "ban_agent_run": {"message": "All checks banned for the pull request of this agent run."},
    "unban_agent_run": {"message": "Checks unbanned for the pull request of this agent run."},
    "remove_agent_run_from_pr": {"message": "Removed Codegen from the pull request."},
    "update_check_suite_settings": {"success": True},
    "get_oauth_token_status": ["github"],
    "revoke_oauth_token": {"success": True},
}

_PATH_IDS = (
    ("org_id", re.compile(r"/organizations/(\d+)")),
    ("run_id", re.compile(r"/agent/run/(\d+)")),
    ("user_id", re.compile(r"/users/(\d+)")),
)


class MockCall(NamedTuple):
    """One call a mock client received: the method's name and its arguments."""

    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def call_context(path: str, body: bytes | None) -> dict[str, Any]:
    """Ids and metadata the request carries, so the answer can echo them."""
    ctx: dict[str, Any] = {}
    for key, pattern in _PATH_IDS:
        match = pattern.search(path)
        if match:
            ctx[key] = int(match.group(1))
    if body:
        sent = msgspec.json.decode(body)
        if isinstance(sent, dict):
            if isinstance(sent.get("agent_run_id"), int):
                ctx["run_id"] = sent["agent_run_id"]
            if isinstance(sent.get("metadata"), dict):
                ctx["metadata"] = sent["metadata"]
    return ctx


def realistic(tp: Any, names: Sequence[str], ctx: dict[str, Any]) -> Any:
    """JSON-able default data for decoder type ``tp``, answering the calls ``names``."""
    origin = typing.get_origin(tp)
    if origin is Page:
        item = realistic(typing.get_args(tp)[0], names, ctx)
        return {"items": [item], "total": 1, "page": 1, "size": 100, "pages": 1}
    if origin is list:
        return [realistic(typing.get_args(tp)[0], names, ctx)]
    if tp in _TYPE_DEFAULTS:
        data = msgspec.json.decode(msgspec.json.encode(_TYPE_DEFAULTS[tp]))  # a deep copy
        _echo(tp, data, ctx)
        for name in reversed(names):
            data.update(_RUN_DEFAULTS.get(name, {}) if tp is AgentRun else {})
        return data
    for name in names:
        if name in _ANY_DEFAULTS:
            return msgspec.json.decode(msgspec.json.encode(_ANY_DEFAULTS[name]))
    return {}


def _echo(tp: Any, data: dict[str, Any], ctx: dict[str, Any]) -> None:
    org, run = ctx.get("org_id"), ctx.get("run_id")
    if tp in (AgentRun, AgentRunWithLogs):
        if run is not None:
            data["id"] = run
            data["web_url"] = f"https://codegen.com/agent/trace/{run}"
            for entry in data.get("logs", []):
                entry["agent_run_id"] = run
        if org is not None:
            data["organization_id"] = org
        if "metadata" in ctx:
            data["metadata"] = ctx["metadata"]
    elif tp is User and ctx.get("user_id") is not None:
        data["id"] = ctx["user_id"]
    elif tp in (SetupCommandsResult, AnalyzeLogsResult) and run is not None:
        data["agent_run_id"] = run
    elif org is not None and "organization_id" in data:
        data["organization_id"] = org


def merge(tp: Any, data: Any, override: Any) -> Any:
    """``override`` laid over ``data``: dicts key by key, list items over the default item.

    For a page, a list override is its ``items``.
    """
    origin = typing.get_origin(tp)
    if origin is Page and isinstance(data, dict):
        item_type = typing.get_args(tp)[0]
        template = data["items"][0] if data.get("items") else {}
        if isinstance(override, list):
            override = {"items": override}
        if not isinstance(override, dict):
            return override
        result = {**data, **override}
        if isinstance(override.get("items"), list):
            items = [merge(item_type, template, x) for x in override["items"]]
            result["items"] = items
            if "total" not in override:
                result["total"] = len(items)
            if "size" not in override:
                result["size"] = max(len(items), 1)
        return result
    if origin is list and isinstance(override, list) and isinstance(data, list):
        template = data[0] if data else {}
        return [merge(typing.get_args(tp)[0], template, x) for x in override]
    if isinstance(data, dict) and isinstance(override, dict):
        return {**data, **override}
    return override
