"""``client.request``: any endpoint, wrapped or not, through the whole pipeline."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

import msgspec

from ._base import AsyncBaseClient
from ._http._validate import check_json
from ._params import query_map
from .config import RATE_LIMIT_GROUPS
from .errors import ValidationError
from .options import JSONValue, QueryValue, RequestOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["AsyncRequestAPI"]

T = TypeVar("T")

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
# Methods whose repetition has the effect of one request: only those are ever resent
# after the server may have acted on them.
_IDEMPOTENT = frozenset({"GET", "PUT", "DELETE"})
_JSON: msgspec.json.Decoder[Any] = msgspec.json.Decoder()
_encode = msgspec.json.Encoder().encode


@functools.lru_cache(maxsize=64)
def _decoder(cast_to: Any) -> msgspec.json.Decoder[Any]:
    try:
        return msgspec.json.Decoder(cast_to)
    except TypeError as exc:
        raise ValidationError(f"cast_to: msgspec cannot decode into {cast_to!r}: {exc}") from None


class AsyncRequestAPI(AsyncBaseClient):
    """The low-level call (mixed into the client)."""

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: type[T],
        query: Mapping[str, QueryValue] | None = None,
        body: JSONValue = None,
        group: str = "standard",
        idempotent: bool | None = None,
        **options: Unpack[RequestOptions],
    ) -> T: ...

    @overload
    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, QueryValue] | None = None,
        body: JSONValue = None,
        group: str = "standard",
        idempotent: bool | None = None,
        **options: Unpack[RequestOptions],
    ) -> JSONValue: ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any = None,
        query: Mapping[str, QueryValue] | None = None,
        body: JSONValue = None,
        group: str = "standard",
        idempotent: bool | None = None,
        **options: Unpack[RequestOptions],
    ) -> Any:
        """Call any endpoint of the API, wrapped by a method or not, through the whole
        pipeline: the rate limiter (``group``), retries, errors, metrics.

        ``path`` is relative to ``base_url`` (``"/v1/organizations/323/agent/runs"``);
        ``query`` and ``body`` (JSON) are sent as given. The answer is plain JSON data,
        or decoded into ``cast_to`` (a model, ``list[AgentRun]``, ...). ``POST`` and
        ``PATCH`` are never resent once the server may have acted on them unless
        ``idempotent=True``; ``GET``, ``PUT`` and ``DELETE`` are. The answer is never
        taken from or kept in the cache; a call other than ``GET`` empties it.
        """
        verb = method.upper() if isinstance(method, str) else method
        if verb not in _METHODS:
            raise ValidationError(f"method must be one of {', '.join(sorted(_METHODS))}")
        if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
            raise ValidationError(
                f"path must start with a single '/' (relative to base_url), got {path!r:.60}"
            )
        if any(c in "?# " or not c.isprintable() for c in path):
            raise ValidationError(
                "path must be an encoded path without '?', '#' or spaces (give the query "
                "as query=...)"
            )
        if group not in RATE_LIMIT_GROUPS:
            raise ValidationError(f"group must be one of {', '.join(RATE_LIMIT_GROUPS)}")
        if idempotent is not None and not isinstance(idempotent, bool):
            raise ValidationError("idempotent must be True, False or None")
        decoder = _JSON if cast_to is None else _decoder(cast_to)
        return await self._transport.request(
            verb,
            path,
            decoder,
            group=group,
            query=query_map("query", query, ValidationError) if query is not None else None,
            body=_encode(check_json("body", body)) if body is not None else None,
            idempotent=verb in _IDEMPOTENT if idempotent is None else idempotent,
            cache=False,
            remember=False,
            invalidates=None if verb == "GET" else "/",
            options=options,
        )
