"""The raw-response form of a method, for ``client.with_raw_response``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from ._http._backend import Call
from ._http._capture import capture_responses
from ._http._response import lower_headers
from .responses import APIResponse

if TYPE_CHECKING:
    from typing_extensions import ParamSpec

    P = ParamSpec("P")

__all__ = ["raw"]

T = TypeVar("T")


def raw(method: Call[P, T]) -> Call[P, APIResponse[T]]:
    """``method``, returning its value inside the :class:`APIResponse` it came in."""

    async def call(*args: P.args, **kwargs: P.kwargs) -> APIResponse[T]:
        with capture_responses() as seen:
            value = await method(*args, **kwargs)
        return APIResponse(
            value,
            status_code=seen.status,
            headers=lower_headers(seen.headers),
            content=seen.body,
            method=seen.method,
            url=seen.url,
            elapsed=seen.elapsed,
            attempts=seen.attempts,
            from_cache=seen.from_cache,
        )

    return call
