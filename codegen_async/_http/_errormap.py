"""Turning an error response into the right exception (pure, shared)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..errors import (
    AuthenticationError,
    CodegenAPIError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from ._response import RawResponse, lower_headers
from ._retry import server_delay

__all__ = ["error_for_response", "redact"]

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
_encoder = msgspec.json.Encoder()


def _parse_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return _json.decode(raw)
    except (msgspec.DecodeError, RecursionError):  # garbage, or nested too deep to parse
        return raw[:2048].decode("utf-8", "replace")


def _text(value: Any, limit: int = 200) -> str:
    """Any JSON value as a short text, whatever its type or depth."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = _encoder.encode(value).decode("utf-8", "replace")
        except (TypeError, ValueError, OverflowError, RecursionError):
            text = type(value).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _detail_item(item: Any) -> str:
    """One entry of FastAPI's ``detail`` list: ``loc.path: msg``, whatever its shape."""
    if not isinstance(item, dict):
        return _text(item)
    loc = item.get("loc")
    if isinstance(loc, list):
        where = ".".join(_text(part, 50) for part in loc[:10])
    else:
        where = "" if loc is None else _text(loc, 50)
    msg = item.get("msg")
    what = "" if msg is None else _text(msg)
    return f"{where}: {what}".strip(": ")


def _message(body: Any, status: int) -> str:
    """``message``, else ``detail`` as a string, else a summary of ``detail`` as a list.

    Total over any JSON value: a server's odd body never raises here.
    """
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message.strip():
            return _text(message.strip(), 1000)
        detail = body.get("detail")
        if isinstance(detail, str) and detail.strip():
            return _text(detail.strip(), 1000)
        if isinstance(detail, list) and detail:
            return "; ".join(_detail_item(item) for item in detail[:5]) or _REASONS.get(
                status, "unexpected response"
            )
        if isinstance(detail, dict) and detail:
            return _text(detail)
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
    headers = lower_headers(response.headers)
    kwargs: dict[str, Any] = {
        "method": method,
        "url": url,
        "status_code": status,
        "body": body,
        "request_id": headers.get("x-request-id"),
        "headers": headers,
    }
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=server_delay(headers), **kwargs)
    if cls is ValidationError:
        details = body.get("detail", body) if isinstance(body, dict) else body
        return ValidationError(message, details=details, **kwargs)
    return cls(message, **kwargs)


# -- keeping the token out of errors ----------------------------------------------------------

_MASK = "[REDACTED]"
_MAX_DEPTH = 40


def _scrubbed(value: Any, secret: str, depth: int = 0) -> Any:  # noqa: PLR0912 - one case per type
    """``value`` with every occurrence of ``secret`` masked: ``value`` itself if it holds
    none, else a copy (an object that cannot be copied is replaced by the mask)."""
    if isinstance(value, str):
        for form in _forms(secret):
            if form in value:
                value = value.replace(form, _MASK)
        return value
    if isinstance(value, bytes | bytearray):
        for form in _forms(secret):
            raw = form.encode()
            if raw in value:
                value = bytes(value).replace(raw, _MASK.encode())
        return value
    if (
        depth >= _MAX_DEPTH
        or value is None
        or isinstance(value, int | float | BaseException)  # exceptions: see redact()
    ):
        return value
    if isinstance(value, list | tuple):
        items = [_scrubbed(v, secret, depth + 1) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        fields = getattr(value, "_fields", None)
        if fields is not None:  # a named tuple (aiohttp's RequestInfo holds the headers)
            return value._replace(**dict(zip(fields, items, strict=False)))  # type: ignore[union-attr]
        return type(value)(items) if type(value) in (list, tuple) else items
    if isinstance(value, dict) or _is_mapping(value):
        pairs = [
            (k, v, _scrubbed(k, secret, depth + 1), _scrubbed(v, secret, depth + 1))
            for k, v in value.items()
        ]
        if all(k is k2 and v is v2 for k, v, k2, v2 in pairs):
            return value
        cleaned = {k2: v2 for _, _, k2, v2 in pairs}
        try:
            return type(value)(cleaned)
        except Exception:  # a mapping type that cannot be built from a dict (a proxy)
            return cleaned
    try:
        shown = repr(value)
    except Exception:
        return value
    return _MASK if secret in shown else value


def _forms(secret: str) -> tuple[str, ...]:
    """``secret`` as sent, and as a JSON string may escape it (an echo in a JSON body)."""
    escaped = _encoder.encode(secret).decode()[1:-1]
    return tuple({secret, escaped, escaped.replace("/", "\\/")})


def _is_mapping(value: Any) -> bool:
    return callable(getattr(value, "items", None)) and callable(getattr(value, "keys", None))


def redact(exc: BaseException, secret: str | None) -> BaseException:
    """Mask ``secret`` (the API token) in ``exc`` and its whole cause chain; return ``exc``.

    A server may echo the request's ``Authorization`` header in an error body, and a
    lower-layer error kept as ``__cause__`` may hold the request's headers: the message,
    ``args``, ``body``, ``details`` and every attribute of every exception on the chain
    are cleaned, so neither ``str``, ``repr`` nor a traceback shows the token.
    """
    if not secret:
        return exc
    stack: list[BaseException] = [exc]
    seen: set[int] = set()
    while stack and len(seen) < 32:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        try:
            node.args = tuple(_scrubbed(a, secret) for a in node.args)
            attrs = getattr(node, "__dict__", None)
            if attrs is not None:
                for name, value in list(attrs.items()):
                    if isinstance(value, BaseException):  # OutcomeUnknownError.cause
                        stack.append(value)
                        continue
                    cleaned = _scrubbed(value, secret)
                    if cleaned is not value:
                        setattr(node, name, cleaned)
        except Exception:  # an exception type that refuses changes: cut the chain there
            exc.__cause__ = None
            exc.__suppress_context__ = True
            return exc
        for nxt in (node.__cause__, node.__context__):
            if nxt is not None:
                stack.append(nxt)
    return exc
