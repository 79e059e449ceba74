"""Async client for the Codegen agent API (``codegen_sync`` is its generated sync twin)."""

from ._bulk import AsyncBulkOperations
from ._bulktypes import BulkProgress, BulkResult
from ._cache import CacheStats
from ._client import AsyncCodegenClient
from ._decorators import retry_on_error
from ._dependency import get_codegen_client
from ._health import AsyncHealthMonitor
from ._health_stats import HealthStatistics
from ._metrics import ClientStats, GroupStats
from ._ratestatus import GroupLimitStatus, RateLimitStatus
from ._types import NOT_GIVEN, NotGiven
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
