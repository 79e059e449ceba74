"""Python client for the Codegen agent API, with a local emulator of the API.

Public names are imported on first use (PEP 562), so that importing one piece, or
``codegen_sync`` (which shares the pure modules), does not load the whole package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# For type checkers only (they cannot follow __getattr__): the same names as _SOURCES,
# which tests/test_architecture.py checks.
if TYPE_CHECKING:
    __version__: str
    from ._bulk._jobfile import JobFile as JobFile
    from ._bulk._operations import AsyncBulkOperations as AsyncBulkOperations
    from ._bulk._types import BulkAudit as BulkAudit
    from ._bulk._types import BulkProgress as BulkProgress
    from ._bulk._types import BulkResult as BulkResult
    from ._bulk._types import JobOrigin as JobOrigin
    from ._client import AsyncCodegenClient as AsyncCodegenClient
    from ._decorators import retry_on_error as retry_on_error
    from ._dependency import get_codegen_client as get_codegen_client
    from ._health import AsyncHealthMonitor as AsyncHealthMonitor
    from ._health_stats import HealthCheck as HealthCheck
    from ._health_stats import HealthStatistics as HealthStatistics
    from ._http._cache import CacheStats as CacheStats
    from ._http._metrics import ClientStats as ClientStats
    from ._http._metrics import GroupStats as GroupStats
    from ._ratelimit._status import GroupLimitStatus as GroupLimitStatus
    from ._ratelimit._status import RateLimitStatus as RateLimitStatus
    from ._watch import AsyncRunWatcher as AsyncRunWatcher
    from ._watch import WatchStatistics as WatchStatistics
    from .config import CodegenConfig as CodegenConfig
    from .config import ConfigPresets as ConfigPresets
    from .errors import APIConnectionError as APIConnectionError
    from .errors import APITimeoutError as APITimeoutError
    from .errors import AuthenticationError as AuthenticationError
    from .errors import CodegenAPIError as CodegenAPIError
    from .errors import CodegenError as CodegenError
    from .errors import CodegenSecurityWarning as CodegenSecurityWarning
    from .errors import ConfigurationError as ConfigurationError
    from .errors import DecodeError as DecodeError
    from .errors import JobFileError as JobFileError
    from .errors import JobLockedError as JobLockedError
    from .errors import LedgerLostError as LedgerLostError
    from .errors import NotFoundError as NotFoundError
    from .errors import OutcomeUnknownError as OutcomeUnknownError
    from .errors import PaymentRequiredError as PaymentRequiredError
    from .errors import PermissionDeniedError as PermissionDeniedError
    from .errors import RateLimitError as RateLimitError
    from .errors import ResponseTooLargeError as ResponseTooLargeError
    from .errors import ServerError as ServerError
    from .errors import ValidationError as ValidationError
    from .errors import WaitTimeoutError as WaitTimeoutError
    from .errors import WebhookVerificationError as WebhookVerificationError
    from .events import AGENT_RUN_COMPLETED as AGENT_RUN_COMPLETED
    from .events import AGENT_RUN_CREATED as AGENT_RUN_CREATED
    from .events import AGENT_RUN_FAILED as AGENT_RUN_FAILED
    from .events import AGENT_RUN_STATUS_CHANGED as AGENT_RUN_STATUS_CHANGED
    from .events import RunEvent as RunEvent
    from .models import AgentRun as AgentRun
    from .models import AgentRunLog as AgentRunLog
    from .models import AgentRunStatus as AgentRunStatus
    from .models import AgentRunWithLogs as AgentRunWithLogs
    from .models import AnalyzeLogsResult as AnalyzeLogsResult
    from .models import CheckSuiteSettings as CheckSuiteSettings
    from .models import CLIRules as CLIRules
    from .models import EditPRResult as EditPRResult
    from .models import GithubPullRequest as GithubPullRequest
    from .models import IntegrationStatus as IntegrationStatus
    from .models import OAuthProvider as OAuthProvider
    from .models import Organization as Organization
    from .models import OrganizationIntegrations as OrganizationIntegrations
    from .models import OrganizationSettings as OrganizationSettings
    from .models import Page as Page
    from .models import PRState as PRState
    from .models import Repository as Repository
    from .models import SetupCommandsResult as SetupCommandsResult
    from .models import SlackConnectToken as SlackConnectToken
    from .models import SourceType as SourceType
    from .models import User as User
    from .options import NOT_GIVEN as NOT_GIVEN
    from .options import JSONValue as JSONValue
    from .options import NotGiven as NotGiven
    from .options import QueryValue as QueryValue
    from .options import RequestOptions as RequestOptions
    from .responses import APIResponse as APIResponse
    from .testing._mock import AsyncMockCodegenClient as AsyncMockCodegenClient
    from .webhooks import WebhookEvent as WebhookEvent
    from .webhooks import WebhookHandler as WebhookHandler

# Where each public name lives.
_SOURCES: dict[str, str] = {
    "AGENT_RUN_COMPLETED": ".events",
    "AGENT_RUN_CREATED": ".events",
    "AGENT_RUN_FAILED": ".events",
    "AGENT_RUN_STATUS_CHANGED": ".events",
    "APIConnectionError": ".errors",
    "APIResponse": ".responses",
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
    "CodegenSecurityWarning": ".errors",
    "CodegenConfig": ".config",
    "CodegenError": ".errors",
    "ConfigPresets": ".config",
    "ConfigurationError": ".errors",
    "DecodeError": ".errors",
    "EditPRResult": ".models",
    "GithubPullRequest": ".models",
    "GroupLimitStatus": "._ratelimit._status",
    "GroupStats": "._http._metrics",
    "HealthCheck": "._health_stats",
    "HealthStatistics": "._health_stats",
    "IntegrationStatus": ".models",
    "JSONValue": ".options",
    "NOT_GIVEN": ".options",
    "NotFoundError": ".errors",
    "NotGiven": ".options",
    "OAuthProvider": ".models",
    "Organization": ".models",
    "OrganizationIntegrations": ".models",
    "OrganizationSettings": ".models",
    "OutcomeUnknownError": ".errors",
    "PRState": ".models",
    "Page": ".models",
    "PaymentRequiredError": ".errors",
    "PermissionDeniedError": ".errors",
    "QueryValue": ".options",
    "RateLimitError": ".errors",
    "RateLimitStatus": "._ratelimit._status",
    "Repository": ".models",
    "RequestOptions": ".options",
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

__all__ = list(_SOURCES)  # one list: this map names every public name and its module


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the installed distribution, on first use
        from ._version import version

        return version()
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(source, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
