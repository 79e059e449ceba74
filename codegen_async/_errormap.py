"""Turning an error response into the right exception (pure, shared)."""

from __future__ import annotations

from typing import Any

import msgspec

from ._response import RawResponse
from ._retry import parse_retry_after
from .errors import (
    AuthenticationError,
    CodegenAPIError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)

__all__ = ["error_for_response"]

_BY_STATUS: dict[int, type[CodegenAPIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: ValidationError,
    429: RateLimitError,
}

_json = msgspec.json.Decoder()


def _parse_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return _json.decode(raw)
    except (msgspec.DecodeError, RecursionError):  # garbage, or nested too deep to parse
        return raw[:2048].decode("utf-8", "replace")


def _message(body: Any, status: int) -> str:
    """``message``, else ``detail`` as a string, else a summary of ``detail`` as a list."""
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
        detail = body.get("detail")
        if isinstance(detail, str) and detail:
            return detail
        if isinstance(detail, list) and detail:
            parts = []
            for item in detail[:5]:
                if isinstance(item, dict):
                    loc = ".".join(str(p) for p in item.get("loc", []) or [])
                    parts.append(f"{loc}: {item.get('msg', '')}".strip(": "))
                else:
                    parts.append(str(item))
            return "; ".join(parts)
    if isinstance(body, str) and body.strip():
        return body.strip()[:200]
    return _REASONS.get(status, "unexpected response")


_REASONS = {
    300: "unexpected redirect",
    301: "unexpected redirect",
    302: "unexpected redirect",
    303: "unexpected redirect",
    307: "unexpected redirect",
    308: "unexpected redirect",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def error_for_response(response: RawResponse, method: str, url: str) -> CodegenAPIError:
    """The exception for a non-2xx response, with the server's message and body."""
    status = response.status
    body = _parse_body(response.body)
    message = _message(body, status)
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else CodegenAPIError
    kwargs: dict[str, Any] = {
        "method": method,
        "url": url,
        "status_code": status,
        "body": body,
        "request_id": response.headers.get("x-request-id"),
    }
    if cls is RateLimitError:
        return RateLimitError(
            message, retry_after=parse_retry_after(response.headers.get("retry-after")), **kwargs
        )
    if cls is ValidationError:
        details = body.get("detail", body) if isinstance(body, dict) else body
        return ValidationError(message, details=details, **kwargs)
    return cls(message, **kwargs)
