"""The async halves of pure shared modules (``webhooks``, ``_decorators``); never generated.

Pure modules are shared by both packages, so they cannot contain ``async def``; the few
coroutines they hand out live here and are imported lazily, only when used.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from .events import RunEvent

__all__ = ["dispatch_async", "retrying_async"]

R = TypeVar("R")


class RetryPolicy(Protocol):
    """What :func:`retrying_async` uses of ``_decorators.RetryPolicy`` (which imports this)."""

    def delays(self) -> Iterator[float]: ...

    def next_delay(
        self, func: Callable[..., Any], attempt: int, exc: Exception, delays: Iterator[float]
    ) -> float | None: ...


async def dispatch_async(handlers: list[Callable[[RunEvent], Any]], event: RunEvent) -> list[Any]:
    """Call each handler in order, awaiting those that return awaitables."""
    results = []
    for func in handlers:
        result = func(event)
        if inspect.isawaitable(result):
            result = await result
        results.append(result)
    return results


def retrying_async(
    func: Callable[..., Coroutine[Any, Any, R]], policy: RetryPolicy
) -> Callable[..., Coroutine[Any, Any, R]]:
    """Wrap a coroutine function so retryable errors are retried per ``policy``."""

    @functools.wraps(func)
    async def wrapper(*args: Any, **kwargs: Any) -> R:
        attempt = 0
        delays = policy.delays()
        while True:
            attempt += 1
            try:
                return await func(*args, **kwargs)
            except Exception as exc:
                delay = policy.next_delay(func, attempt, exc, delays)
                if delay is None:
                    raise
            await asyncio.sleep(delay)

    return wrapper
