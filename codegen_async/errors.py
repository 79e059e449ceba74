"""The exception tree, shared by ``codegen_async`` and ``codegen_sync``.

::

    CodegenError
    ├── ConfigurationError           a bad setting or environment variable
    ├── ValidationError              bad arguments (before any request), or a 400/422 answer
    │                                (also a CodegenAPIError when it came from the server)
    ├── APIConnectionError           no usable response: refused, reset, dropped
    │   ├── APITimeoutError          the request timed out
    │   └── OutcomeUnknownError      a non-idempotent request may have been acted on
    ├── DecodeError                  a response that is not what the API documents
    │   └── ResponseTooLargeError    a body over ``max_response_size``
    ├── WaitTimeoutError             ``wait_for_completion`` gave up (carries the last run)
    ├── WebhookVerificationError     a webhook that fails verification
    └── CodegenAPIError              the server answered with an error status
        ├── AuthenticationError      401
        ├── PaymentRequiredError     402 (plan quota of agent runs used up)
        ├── PermissionDeniedError    403
        ├── NotFoundError            404
        ├── ValidationError          400 / 422, ``.details`` holds the server's detail
        ├── RateLimitError           429, ``.retry_after`` in seconds or ``None``
        └── ServerError              5xx

One warning: :class:`CodegenSecurityWarning`, when a setting weakens the connection's
security (``verify_ssl=False``).

Every exception carries what helps debugging (method, URL, status, request id and
parsed body where there was one) and never the API token.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "AuthenticationError",
    "CodegenAPIError",
    "CodegenError",
    "CodegenSecurityWarning",
    "ConfigurationError",
    "DecodeError",
    "JobFileError",
    "JobLockedError",
    "LedgerLostError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "ValidationError",
    "WaitTimeoutError",
    "WebhookVerificationError",
]


class CodegenError(Exception):
    """Root of every exception this library raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigurationError(CodegenError, ValueError):
    """A setting (argument, environment variable or settings dict) has a bad value."""


class _RequestContext(CodegenError):
    """Base for errors tied to one HTTP request: method and URL, never headers."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        where = f" ({method} {url})" if method and url else ""
        super().__init__(message + where)
        self.method = method
        self.url = url


class APIConnectionError(_RequestContext):
    """No usable response arrived: the connection was refused, reset or dropped.

    ``request_sent`` tells whether the request may have reached the server: when it
    is ``False`` the server cannot have acted on it.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        request_sent: bool = True,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.request_sent = request_sent


class APITimeoutError(APIConnectionError):
    """The request did not complete within its timeout."""


class OutcomeUnknownError(APIConnectionError):
    """A non-idempotent request (creating an agent run) may or may not have been acted on.

    The client does not retry such a request blindly, since that could create a
    duplicate run. ``cause`` is the underlying connection error. Bulk jobs reconcile
    these by looking the run up through the metadata they attached.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url, request_sent=True)
        self.cause = cause


class DecodeError(_RequestContext):
    """A response body that is not valid JSON or does not match the documented schema."""

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        status_code: int | None = None,
        body: bytes | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.status_code = status_code
        # Keep only a prefix: enough to debug, never a memory hazard.
        self.body = body[:2048] if body is not None else None


class ResponseTooLargeError(DecodeError):
    """A response body exceeded ``CodegenConfig.max_response_size`` and was refused."""


class WaitTimeoutError(CodegenError, TimeoutError):
    """Waiting for an agent run to finish took longer than allowed.

    ``last_run`` is the last state seen (or ``None`` if none was fetched).
    """

    def __init__(self, message: str, *, last_run: Any = None) -> None:
        super().__init__(message)
        self.last_run = last_run


class WebhookVerificationError(CodegenError):
    """A webhook request failed signature or timestamp verification."""


class CodegenAPIError(_RequestContext):
    """The API answered with an error status.

    Attributes: ``status_code``, ``body`` (the parsed JSON body, or the text), ``detail``
    (the server's message), ``request_id`` (from ``x-request-id`` if sent), ``headers``
    (every response header, names lower-cased).
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        status_code: int | None = None,
        body: Any = None,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        status = f"{status_code} " if status_code is not None else ""
        super().__init__(f"{status}{message}", method=method, url=url)
        self.status_code = status_code
        self.body = body
        self.detail = message
        self.request_id = request_id
        self.headers: dict[str, str] = headers if headers is not None else {}


class AuthenticationError(CodegenAPIError):
    """401: the API token is missing, invalid or expired."""


class PaymentRequiredError(CodegenAPIError):
    """402: the plan's quota of agent runs is used up."""


class PermissionDeniedError(CodegenAPIError):
    """403: the token's user is not a member of the organization, or lacks a permission."""


class NotFoundError(CodegenAPIError):
    """404: the resource does not exist or belongs to another organization."""


class ValidationError(CodegenAPIError, ValueError):
    """Bad input: raised before sending for bad arguments, or for a 400/422 answer.

    ``details`` holds the validation details (FastAPI's ``detail`` list, or a message).
    """

    def __init__(self, message: str, *, details: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.details = details if details is not None else kwargs.get("body")


class RateLimitError(CodegenAPIError):
    """429: the token's rate limit was exceeded.

    ``retry_after`` is in seconds: the server's ``Retry-After`` when it sent one, else the
    client's estimate of when its rate-limit window frees a slot (at least one second).
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(CodegenAPIError):
    """5xx: the server failed."""


class JobFileError(CodegenError):
    """A bulk job's results file cannot be used (unreadable, unwritable, not a file, or
    written for other inputs); the message names the file and why. Nothing was sent."""


class JobLockedError(JobFileError):
    """Another process is running the same bulk job (it holds the results file's lock).

    The message names the holder (process id, host, start time); ``holder`` has them as
    data. Nothing was sent: running one job twice at once would create duplicates.
    """

    def __init__(self, message: str, holder: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.holder = dict(holder or {})


class LedgerLostError(CodegenError):
    """A shared bulk job's ledger lost its data (a Redis restart without persistence, a
    failover to a lagging replica, eviction, FLUSHALL) or was replaced.

    Workers stop at once rather than mistake the job for a fresh one, which would create
    duplicates; recover the job with ``SharedBulkJob.recover(configs)``.
    """


class CodegenSecurityWarning(UserWarning):
    """A setting weakens the connection's security: ``verify_ssl=False`` accepts any
    certificate, so anyone on the path can read and change the traffic (the API token
    included). Emitted once per client, when it is made."""
