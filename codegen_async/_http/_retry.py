"""Retry decisions and the delay schedule (pure, shared); the loop is the transport's.

``backoff`` is archived upstream, so only its wait generators are used (exponential with
full jitter); this is the only module that uses the package.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from ..errors import APIConnectionError, CodegenAPIError, OutcomeUnknownError, ServerError
from ._urls import safe_url

if TYPE_CHECKING:
    from ..config import CodegenConfig

__all__ = [
    "check_resend",
    "delays",
    "parse_retry_after",
    "retryable",
    "server_delay",
    "status_delay",
]

# Statuses at which the server cannot have acted on a request (safe to resend a create).
_NOT_PROCESSED = frozenset({429, 503})


def retryable(config: CodegenConfig, error: CodegenAPIError, status: int, idempotent: bool) -> bool:
    """Whether a non-2xx answer may be retried (``retries`` left aside).

    The server's ``x-should-retry`` header decides for a call that may be repeated:
    ``false`` never retries, ``true`` retries whatever the status. A create-run POST is
    resent only where the server cannot have acted on it, whatever the header says.
    """
    verdict = error.headers.get("x-should-retry")
    if verdict == "false":
        return False
    if idempotent and verdict == "true":
        return True
    if status not in config.retry_on_status:
        return False
    if idempotent:
        return True
    return status in _NOT_PROCESSED or (
        config.retry_unknown_creates and isinstance(error, ServerError)
    )


def status_delay(
    config: CodegenConfig, status: int, retry_after: float | None, backoff: float, strategy: str
) -> float:
    """Seconds before retrying a non-2xx answer: the server's word (capped), else backoff."""
    if retry_after is not None:
        return min(retry_after, config.retry_max_delay)
    if status == 429 and strategy != "none":
        return 0.0  # the limiter's group cool-down decides when to go again
    return backoff


def check_resend(
    config: CodegenConfig,
    exc: APIConnectionError,
    method: str,
    url: str,
    *,
    idempotent: bool,
    retries_left: int,
) -> None:
    """Raise unless a request that failed on the way may be sent again."""
    if not idempotent and exc.request_sent and not config.retry_unknown_creates:
        raise OutcomeUnknownError(
            f"the server may or may not have acted on this request: {exc.message}",
            method=method,
            url=safe_url(url),
            cause=exc,
        ) from exc
    if retries_left <= 0:
        raise exc


def delays(factor: float, max_delay: float) -> Iterator[float]:
    """Yield retry delays: ``factor * 2**n`` capped at ``max_delay``, with full jitter."""
    import backoff  # on the first retry only: it imports asyncio, which sync code avoids

    gen = backoff.expo(base=2, factor=factor, max_value=max_delay)
    next(gen)  # backoff's generators must be primed with None (they are send()-driven).
    for value in gen:
        yield backoff.full_jitter(value)


def server_delay(headers: Mapping[str, str], cap: float = 3600.0) -> float | None:
    """The delay a server asks for: ``retry-after-ms`` (milliseconds), else
    ``retry-after`` (seconds or an HTTP date); capped. ``headers``' names lower-cased."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            seconds = float(millis) / 1000
        except ValueError:
            seconds = math.nan
        if not math.isnan(seconds):
            return min(max(seconds, 0.0), cap)
    return parse_retry_after(headers.get("retry-after"), cap)


def parse_retry_after(value: str | None, cap: float = 3600.0) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        from datetime import datetime, timezone
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    if math.isnan(seconds) or seconds < 0:  # in the past
        return 0.0
    return min(seconds, cap)
