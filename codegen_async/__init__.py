"""Python client for the Codegen agent API, with a local emulator of the API.

Public names are imported on first use (PEP 562), so that importing one piece, or
``codegen_sync`` (which shares the pure modules), does not load the whole package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._bulk._jobfile import JobFile
    from ._bulk._operations import AsyncBulkOperations
    from ._bulk._types import BulkAudit, BulkProgress, BulkResult, JobOrigin
    from ._client import AsyncCodegenClient
    from ._decorators import retry_on_error
    from ._dependency import get_codegen_client
    from ._health import AsyncHealthMonitor
    from ._health_stats import HealthStatistics
    from ._http._cache import CacheStats
    from ._http._metrics import ClientStats, GroupStats
    from ._http._types import NOT_GIVEN, NotGiven
    from ._ratelimit._status import GroupLimitStatus, RateLimitStatus
    from ._watch import AsyncRunWatcher, WatchStatistics
    from .config import CodegenConfig, ConfigPresets
    from .errors import (
        APIConnectionError,
        APITimeoutError,
        AuthenticationError,
        CodegenAPIError,
        CodegenError,
        ConfigurationError,
        DecodeError,
        JobFileError,
        JobLockedError,
        LedgerLostError,
        NotFoundError,
        OutcomeUnknownError,
        PaymentRequiredError,
        PermissionDeniedError,
        RateLimitError,
        ResponseTooLargeError,
        ServerError,
        ValidationError,
        WaitTimeoutError,
        WebhookVerificationError,
    )
    from .events import (
        AGENT_RUN_COMPLETED,
        AGENT_RUN_CREATED,
        AGENT_RUN_FAILED,
        AGENT_RUN_STATUS_CHANGED,
        RunEvent,
    )
    from .models import (
        AgentRun,
        AgentRunLog,
        AgentRunStatus,
        AgentRunWithLogs,
        AnalyzeLogsResult,
        CheckSuiteSettings,
        CLIRules,
        EditPRResult,
        GithubPullRequest,
        IntegrationStatus,
        OAuthProvider,
        Organization,
        OrganizationIntegrations,
        OrganizationSettings,
        Page,
        PRState,
        Repository,
        SetupCommandsResult,
        SlackConnectToken,
        SourceType,
        User,
    )
    from .testing._mock import AsyncMockCodegenClient
    from .webhooks import WebhookEvent, WebhookHandler

__version__ = "0.1.0"

# Where each public name lives.
_SOURCES: dict[str, str] = {
    "AGENT_RUN_COMPLETED": ".events",
    "AGENT_RUN_CREATED": ".events",
    "AGENT_RUN_FAILED": ".events",
    "AGENT_RUN_STATUS_CHANGED": ".events",
    "APIConnectionError": ".errors",
    "APITimeoutError": ".errors",
    "AgentRun": ".models",
    "AgentRunLog": ".models",
    "AgentRunStatus": ".models",
    "AgentRunWithLogs": ".models",
    "AnalyzeLogsResult": ".models",
    "AsyncBulkOperations": "._bulk._operations",
    "AsyncCodegenClient": "._client",
    "AsyncHealthMonitor": "._health",
    "AsyncMockCodegenClient": ".testing._mock",
    "AsyncRunWatcher": "._watch",
    "AuthenticationError": ".errors",
    "BulkAudit": "._bulk._types",
    "BulkProgress": "._bulk._types",
    "BulkResult": "._bulk._types",
    "JobFile": "._bulk._jobfile",
    "JobFileError": ".errors",
    "JobLockedError": ".errors",
    "JobOrigin": "._bulk._types",
    "LedgerLostError": ".errors",
    "CLIRules": ".models",
    "CacheStats": "._http._cache",
    "CheckSuiteSettings": ".models",
    "ClientStats": "._http._metrics",
    "CodegenAPIError": ".errors",
    "CodegenConfig": ".config",
    "CodegenError": ".errors",
    "ConfigPresets": ".config",
    "ConfigurationError": ".errors",
    "DecodeError": ".errors",
    "EditPRResult": ".models",
    "GithubPullRequest": ".models",
    "GroupLimitStatus": "._ratelimit._status",
    "GroupStats": "._http._metrics",
    "HealthStatistics": "._health_stats",
    "IntegrationStatus": ".models",
    "NOT_GIVEN": "._http._types",
    "NotFoundError": ".errors",
    "NotGiven": "._http._types",
    "OAuthProvider": ".models",
    "Organization": ".models",
    "OrganizationIntegrations": ".models",
    "OrganizationSettings": ".models",
    "OutcomeUnknownError": ".errors",
    "PRState": ".models",
    "Page": ".models",
    "PaymentRequiredError": ".errors",
    "PermissionDeniedError": ".errors",
    "RateLimitError": ".errors",
    "RateLimitStatus": "._ratelimit._status",
    "Repository": ".models",
    "ResponseTooLargeError": ".errors",
    "RunEvent": ".events",
    "ServerError": ".errors",
    "SetupCommandsResult": ".models",
    "SlackConnectToken": ".models",
    "SourceType": ".models",
    "User": ".models",
    "ValidationError": ".errors",
    "WaitTimeoutError": ".errors",
    "WatchStatistics": "._watch",
    "WebhookEvent": ".webhooks",
    "WebhookHandler": ".webhooks",
    "WebhookVerificationError": ".errors",
    "get_codegen_client": "._dependency",
    "retry_on_error": "._decorators",
}

__all__ = [
    "AGENT_RUN_COMPLETED",
    "AGENT_RUN_CREATED",
    "AGENT_RUN_FAILED",
    "AGENT_RUN_STATUS_CHANGED",
    "NOT_GIVEN",
    "APIConnectionError",
    "APITimeoutError",
    "AgentRun",
    "AgentRunLog",
    "AgentRunStatus",
    "AgentRunWithLogs",
    "AnalyzeLogsResult",
    "AsyncBulkOperations",
    "AsyncCodegenClient",
    "AsyncHealthMonitor",
    "AsyncMockCodegenClient",
    "AsyncRunWatcher",
    "AuthenticationError",
    "BulkAudit",
    "BulkProgress",
    "BulkResult",
    "CLIRules",
    "CacheStats",
    "CheckSuiteSettings",
    "ClientStats",
    "CodegenAPIError",
    "CodegenConfig",
    "CodegenError",
    "ConfigPresets",
    "ConfigurationError",
    "DecodeError",
    "EditPRResult",
    "GithubPullRequest",
    "GroupLimitStatus",
    "GroupStats",
    "HealthStatistics",
    "IntegrationStatus",
    "JobFile",
    "JobFileError",
    "JobLockedError",
    "JobOrigin",
    "LedgerLostError",
    "NotFoundError",
    "NotGiven",
    "OAuthProvider",
    "Organization",
    "OrganizationIntegrations",
    "OrganizationSettings",
    "OutcomeUnknownError",
    "PRState",
    "Page",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitStatus",
    "Repository",
    "ResponseTooLargeError",
    "RunEvent",
    "ServerError",
    "SetupCommandsResult",
    "SlackConnectToken",
    "SourceType",
    "User",
    "ValidationError",
    "WaitTimeoutError",
    "WatchStatistics",
    "WebhookEvent",
    "WebhookHandler",
    "WebhookVerificationError",
    "get_codegen_client",
    "retry_on_error",
]


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(source, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
