"""Typed payloads of the Codegen API v1, as msgspec Structs.

Shared by ``codegen_async`` and ``codegen_sync``. Response structs tolerate unknown
fields (the API grows), keep unknown status and enum values as plain strings, and give
every optional field a default.

Timestamps: the API's ``created_at`` is a plain string, and no value of it ever fails a
decode. A model keeps the string as sent in ``created_at_raw`` and reads it on access as
``created_at``, a ``datetime`` or ``None``:

- RFC 3339, with a zone (``2025-06-21T11:20:04Z``: an aware ``datetime``) or without one,
  ``T`` or a space between date and time (``2025-06-21 11:20:04.338398``, the form the
  API is seen to send: a naive ``datetime``, in UTC);
- a date alone (``2025-06-21``): midnight of that day, naive;
- an HTTP date (``Sat, 21 Jun 2025 11:20:04 GMT``): an aware ``datetime``;
- anything else (``""``, garbage) or no value: ``None``; ``created_at_raw`` still holds
  the string.

Every model has ``.dict()`` / ``.to_dict()`` returning plain JSON-able data and
``.to_json()`` returning JSON bytes; both give ``created_at`` as the string the API sent,
so decoding them again gives an equal model.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, ClassVar, Generic, TypeVar

import msgspec

__all__ = [
    "ACTIVE_STATUSES",
    "PAUSED_STATUSES",
    "TERMINAL_STATUSES",
    "AgentRun",
    "AgentRunLog",
    "AgentRunStatus",
    "AgentRunWithLogs",
    "AnalyzeLogsResult",
    "CLIRules",
    "CheckSuiteSettings",
    "EditPRResult",
    "GithubPullRequest",
    "IntegrationStatus",
    "Model",
    "OAuthProvider",
    "Organization",
    "OrganizationIntegrations",
    "OrganizationSettings",
    "PRState",
    "Page",
    "Repository",
    "SetupCommandsResult",
    "SlackConnectToken",
    "SourceType",
    "User",
]

T = TypeVar("T")

_encoder = msgspec.json.Encoder()
_convert = msgspec.convert


class Model(msgspec.Struct, kw_only=True, gc=False):
    """Base of every response model."""

    def dict(self) -> dict[str, Any]:
        """Return this model as plain JSON-able data (``created_at`` as the API sent it)."""
        result: dict[str, Any] = msgspec.to_builtins(self)
        return result

    def to_dict(self) -> builtins.dict[str, Any]:
        """Alias of :meth:`dict`."""
        return self.dict()

    def to_json(self) -> bytes:
        """Return this model as JSON bytes, like ``msgspec.json.encode(model)``.

        Decoding them with the model's type gives an equal model (``created_at`` is the
        string the API sent); ``.decode()`` them for a ``str``.
        """
        return _encoder.encode(self)


def _parse_timestamp(raw: str | None) -> datetime | None:
    """Read a ``created_at`` string leniently (the rule is in the module docstring).

    RFC 3339 values read exactly as a msgspec ``datetime`` field reads them; a date alone
    is midnight, naive; an HTTP date is aware; anything else is ``None``, never an error.
    """
    if not isinstance(raw, str):  # None, or a model built by hand with a datetime
        return raw if isinstance(raw, datetime) else None
    try:
        return _convert(raw, datetime)
    except msgspec.ValidationError:
        pass
    try:
        day = _convert(raw, date)
    except msgspec.ValidationError:
        pass
    else:
        return datetime(day.year, day.month, day.day)
    from email.utils import parsedate_to_datetime  # rare: loaded only when needed

    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


class AgentRunStatus:
    """Status values the API is known to use (``AgentRun.status`` stays a plain string)."""

    ACTIVE = "ACTIVE"
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    EVALUATION = "EVALUATION"
    PAUSED = "PAUSED"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    ERROR = "ERROR"
    CANCELLED = "CANCELLED"
    STOPPED = "STOPPED"
    TIMEOUT = "TIMEOUT"
    MAX_ITERATIONS_REACHED = "MAX_ITERATIONS_REACHED"
    OUT_OF_TOKENS = "OUT_OF_TOKENS"


# The API's status values. "COMPLETED" is what its docs (wrongly) compare against; accept it too.
TERMINAL_STATUSES = frozenset(
    {
        "COMPLETE",
        "COMPLETED",
        "FAILED",
        "ERROR",
        "CANCELLED",
        "STOPPED",
        "TIMEOUT",
        "MAX_ITERATIONS_REACHED",
        "OUT_OF_TOKENS",
    }
)
ACTIVE_STATUSES = frozenset({"ACTIVE", "PENDING", "RUNNING", "EVALUATION"})
PAUSED_STATUSES = frozenset({"PAUSED"})
SUCCESS_STATUSES = frozenset({"COMPLETE", "COMPLETED"})


class SourceType:
    """Known values of ``AgentRun.source_type`` (unknown values are kept as strings)."""

    LOCAL = "LOCAL"
    SLACK = "SLACK"
    GITHUB = "GITHUB"
    GITHUB_CHECK_SUITE = "GITHUB_CHECK_SUITE"
    GITHUB_PR_REVIEW = "GITHUB_PR_REVIEW"
    LINEAR = "LINEAR"
    API = "API"
    CHAT = "CHAT"
    JIRA = "JIRA"
    CLICKUP = "CLICKUP"
    MONDAY = "MONDAY"
    SETUP_COMMANDS = "SETUP_COMMANDS"

    ALL: ClassVar[frozenset[str]] = frozenset(
        {
            "LOCAL",
            "SLACK",
            "GITHUB",
            "GITHUB_CHECK_SUITE",
            "GITHUB_PR_REVIEW",
            "LINEAR",
            "API",
            "CHAT",
            "JIRA",
            "CLICKUP",
            "MONDAY",
            "SETUP_COMMANDS",
        }
    )


class PRState:
    """Values accepted by ``edit_pull_request(state=...)``."""

    OPEN = "open"
    CLOSED = "closed"
    DRAFT = "draft"
    READY_FOR_REVIEW = "ready_for_review"

    ALL: ClassVar[frozenset[str]] = frozenset({"open", "closed", "draft", "ready_for_review"})


class Page(Model, Generic[T]):
    """One page of a listing: ``items`` plus ``total``, ``page``, ``size`` and ``pages``."""

    items: list[T]
    total: int = 0
    page: int = 1
    size: int = 0
    pages: int = 0

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class GithubPullRequest(Model):
    """A pull request an agent run opened or worked on."""

    id: int
    created_at_raw: str | None = msgspec.field(default=None, name="created_at")
    title: str | None = None
    url: str | None = None
    head_branch_name: str | None = None
    # Read by the official TUI, not in the spec: optional extras.
    state: str | None = None
    merged: bool | None = None

    @property
    def created_at(self) -> datetime | None:
        """When it was created, read from ``created_at_raw`` on each access: RFC 3339
        (with or without a zone), a date alone or an HTTP date; ``None`` if unreadable."""
        return _parse_timestamp(self.created_at_raw)


class AgentRun(Model):
    """An agent run (``AgentRunResponse``).

    ``status`` is the server's string (``ACTIVE``, ``COMPLETE``, ``FAILED``, ...);
    use :attr:`is_terminal` / :attr:`is_active` rather than comparing it yourself.

    ``created_at_raw`` is the creation time as the API sent it (a string, the JSON key
    ``created_at``); :attr:`created_at` reads it as a ``datetime``, or ``None`` when it
    cannot be read, which never fails the decoding of a run or of its page.
    """

    id: int
    organization_id: int
    status: str | None = None
    created_at_raw: str | None = msgspec.field(default=None, name="created_at")
    web_url: str | None = None
    result: str | None = None
    summary: str | None = None
    source_type: str | None = None
    github_pull_requests: list[GithubPullRequest] | None = None
    metadata: dict[str, Any] | None = None

    @property
    def created_at(self) -> datetime | None:
        """When it was created, read from ``created_at_raw`` on each access: RFC 3339
        (with or without a zone), a date alone or an HTTP date; ``None`` if unreadable."""
        return _parse_timestamp(self.created_at_raw)

    @property
    def is_terminal(self) -> bool:
        """True once the run has finished for good (complete, failed, cancelled, ...)."""
        status = self.status
        # The API writes statuses in upper case: upper() only for one it did not.
        return status is not None and (
            status in TERMINAL_STATUSES or status.upper() in TERMINAL_STATUSES
        )

    @property
    def is_active(self) -> bool:
        """True while the run is still working (active, pending, running, evaluation)."""
        return self.status is not None and self.status.upper() in ACTIVE_STATUSES

    @property
    def is_paused(self) -> bool:
        """True while the run waits for input; :meth:`resume_agent_run` continues it."""
        return self.status is not None and self.status.upper() in PAUSED_STATUSES

    @property
    def is_successful(self) -> bool:
        """True if the run finished with ``COMPLETE``."""
        return self.status is not None and self.status.upper() in SUCCESS_STATUSES


class AgentRunLog(Model):
    """One entry of an agent run's trace (alpha logs endpoint)."""

    agent_run_id: int
    created_at_raw: str | None = msgspec.field(default=None, name="created_at")
    tool_name: str | None = None
    message_type: str | None = None
    thought: str | None = None
    observation: dict[str, Any] | str | None = None
    tool_input: dict[str, Any] | None = None
    tool_output: dict[str, Any] | None = None

    @property
    def created_at(self) -> datetime | None:
        """When it was created, read from ``created_at_raw`` on each access: RFC 3339
        (with or without a zone), a date alone or an HTTP date; ``None`` if unreadable."""
        return _parse_timestamp(self.created_at_raw)


class AgentRunWithLogs(Model):
    """A trimmed agent run plus one page of its logs (``AgentRunWithLogsResponse``)."""

    id: int
    organization_id: int
    logs: list[AgentRunLog] = msgspec.field(default_factory=list)
    status: str | None = None
    created_at_raw: str | None = msgspec.field(default=None, name="created_at")
    web_url: str | None = None
    result: str | None = None
    metadata: dict[str, Any] | None = None
    total_logs: int | None = None
    page: int | None = None
    size: int | None = None
    pages: int | None = None

    @property
    def created_at(self) -> datetime | None:
        """When it was created, read from ``created_at_raw`` on each access: RFC 3339
        (with or without a zone), a date alone or an HTTP date; ``None`` if unreadable."""
        return _parse_timestamp(self.created_at_raw)


class User(Model):
    """A Codegen user (``UserResponse``)."""

    id: int
    github_user_id: str | None = None
    github_username: str | None = None
    email: str | None = None
    avatar_url: str | None = None
    full_name: str | None = None
    role: str | None = None
    is_admin: bool | None = None


class OrganizationSettings(Model):
    """Organization feature flags."""

    enable_pr_creation: bool = True
    enable_rules_detection: bool = True


class Organization(Model):
    """An organization the token's user belongs to."""

    id: int
    name: str
    settings: OrganizationSettings = msgspec.field(default_factory=OrganizationSettings)


class Repository(Model):
    """A repository of an organization (``RepoResponse``)."""

    id: int
    name: str
    full_name: str
    github_id: str
    organization_id: int
    setup_status: str
    description: str | None = None
    visibility: str | None = None
    archived: bool | None = None
    language: str | None = None


class IntegrationStatus(Model):
    """Whether one integration (GitHub, Slack, Linear, ...) is active."""

    integration_type: str
    active: bool
    token_id: int | None = None
    installation_id: int | None = None
    metadata: dict[str, Any] | None = None


class OrganizationIntegrations(Model):
    """Status of every integration of an organization."""

    organization_id: int
    organization_name: str
    integrations: list[IntegrationStatus]
    total_active_integrations: int


class CheckSuiteSettings(Model):
    """Check-suite auto-fixer settings of a repository."""

    check_retry_count: int
    ignored_checks: list[str]
    check_retry_counts: dict[str, int]
    custom_prompts: dict[str, str]
    high_priority_apps: list[str]
    available_check_suite_names: list[str] = msgspec.field(default_factory=list)


class EditPRResult(Model):
    """Result of changing a pull request's state."""

    success: bool
    url: str | None = None
    number: int | None = None
    title: str | None = None
    state: str | None = None
    error: str | None = None


class SetupCommandsResult(Model):
    """The agent run started to generate setup commands."""

    agent_run_id: int
    status: str
    url: str


class AnalyzeLogsResult(Model):
    """The agent run started to analyse sandbox setup logs."""

    agent_run_id: int
    status: str
    message: str


class CLIRules(Model):
    """Organization rules plus the user's custom prompt."""

    organization_rules: str | None = None
    user_custom_prompt: str | None = None


class OAuthProvider(Model):
    """An OAuth provider (MCP providers listing)."""

    id: int
    name: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    is_mcp: bool
    default_scopes: list[str] | None = None
    meta: dict[str, Any] | None = None


class SlackConnectToken(Model):
    """A one-time token to link a Slack account."""

    token: str
    message: str
    expires_in_minutes: int
