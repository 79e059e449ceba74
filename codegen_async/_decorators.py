"""``retry_on_error``: retry a user's function on retryable API errors (pure, shared).

One decorator serves both packages: it wraps ``async def`` functions with a coroutine
(from ``_aio``) and plain functions with a blocking loop.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from ._http._retry import delays as _jittered_delays
from .errors import (
    APIConnectionError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    ValidationError,
)

__all__ = ["RETRYABLE_ERRORS", "RetryPolicy", "retry_on_error"]

logger = logging.getLogger("codegen")

F = TypeVar("F", bound=Callable[..., Any])

RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    RateLimitError,
    ServerError,
    APIConnectionError,
)
"""What :func:`retry_on_error` retries by default (never :class:`OutcomeUnknownError`)."""


class RetryPolicy:
    """When and how long to wait before the next attempt (shared by the sync and async wrappers)."""

    def __init__(
        self,
        max_attempts: int,
        backoff_factor: float,
        max_delay: float,
        retry_on: tuple[type[BaseException], ...],
    ) -> None:
        self.max_attempts = max_attempts
        self.backoff_factor = backoff_factor
        self.max_delay = max_delay
        self.retry_on = retry_on

    def delays(self) -> Iterator[float]:
        """Exponential delays (``backoff_factor * 2**n``, capped) with full jitter."""
        return _jittered_delays(self.backoff_factor, self.max_delay)

    def next_delay(
        self, func: Callable[..., Any], attempt: int, exc: Exception, delays: Iterator[float]
    ) -> float | None:
        """Seconds to wait before retrying after ``exc``, or ``None`` to give up."""
        # An unknown outcome is never retried: the first attempt may have created a run.
        if isinstance(exc, OutcomeUnknownError) or not isinstance(exc, self.retry_on):
            return None
        if attempt >= self.max_attempts:
            return None
        delay = next(delays)
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            delay = exc.retry_after  # the server said when
        logger.info(
            "retry_on_error: %s failed (attempt %d of %d, %s); retrying in %.2f s",
            getattr(func, "__qualname__", func),
            attempt,
            self.max_attempts,
            type(exc).__name__,
            delay,
        )
        return delay


def retry_on_error(
    max_attempts: int = 3,
    backoff_factor: float = 1.5,
    *,
    max_delay: float = 60.0,
    retry_on: tuple[type[BaseException], ...] = RETRYABLE_ERRORS,
) -> Callable[[F], F]:
    """Decorator: call the function again when it raises a retryable API error.

    Works on plain and ``async def`` functions. Retries :class:`RateLimitError`
    (waiting its ``retry_after`` when the server gave one), :class:`ServerError` and
    :class:`APIConnectionError` (timeouts included), but never
    :class:`OutcomeUnknownError`: that request may have created a run, and a retry
    could duplicate it. Between attempts it waits ``backoff_factor * 2**n`` seconds
    (capped at ``max_delay``) with full jitter. After ``max_attempts`` attempts the
    last error propagates; any other exception propagates at once.

    Example::

        @retry_on_error(max_attempts=3, backoff_factor=1.5)
        def create_run_with_retry():
            return client.create_agent_run(323, "Create a function")
    """
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise ValidationError(f"max_attempts must be an integer >= 1, got {max_attempts!r}")
    for name, value in (("backoff_factor", backoff_factor), ("max_delay", max_delay)):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValidationError(f"{name} must be a number >= 0, got {value!r}")
    if not isinstance(retry_on, tuple) or not all(
        isinstance(t, type) and issubclass(t, BaseException) for t in retry_on
    ):
        raise ValidationError("retry_on must be a tuple of exception classes")
    policy = RetryPolicy(max_attempts, float(backoff_factor), float(max_delay), retry_on)

    def decorate(func: F) -> F:
        if not callable(func):
            raise ValidationError(f"retry_on_error decorates functions, got {type(func).__name__}")
        if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
            raise ValidationError(
                "retry_on_error cannot retry a generator: an error may come after items "
                "were already yielded"
            )
        if inspect.iscoroutinefunction(func):
            from ._aio import retrying_async

            return cast(F, retrying_async(func, policy))
        return cast(F, _retrying(func, policy))

    return decorate


def _retrying(func: Callable[..., Any], policy: RetryPolicy) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        attempt = 0
        delays = policy.delays()
        while True:
            attempt += 1
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                delay = policy.next_delay(func, attempt, exc, delays)
                if delay is None:
                    raise
            time.sleep(delay)

    return wrapper
