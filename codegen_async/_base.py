"""The client's core: configuration, transport, lifecycle and self-inspection."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from ._http._cache import CacheStats
from ._http._metrics import ClientStats
from ._http._transport import AsyncTransport
from ._http._types import NOT_GIVEN, NotGiven
from ._http._validate import resolve_org
from ._ratelimit._status import RateLimitStatus
from .config import CodegenConfig
from .errors import ConfigurationError
from .options import QueryValue

if TYPE_CHECKING:
    from ._http._backend import HTTPSession

__all__ = ["AsyncBaseClient"]

_C = TypeVar("_C", bound="AsyncBaseClient")


class AsyncBaseClient:
    """Configuration, connection lifecycle and statistics shared by every API method."""

    def __init__(
        self,
        config: CodegenConfig | None = None,
        *,
        http_session: HTTPSession | None = None,
        **overrides: Any,
    ) -> None:
        """``config`` (else one built from ``overrides`` and the environment), and
        optionally ``http_session``, a pool of your own: used as it is and never closed by
        the client. It owns its connection limits, TLS and proxies (so ``proxy``,
        ``ca_bundle``, ``client_cert``, ``ssl_context`` and ``verify_ssl=False`` cannot be
        set with it); the client still sends its own headers (token, User-Agent)."""
        if config is None:
            config = CodegenConfig(**overrides)
        elif overrides:
            config = config.replace(**overrides)
        if not isinstance(config, CodegenConfig):
            raise ConfigurationError(f"config must be a CodegenConfig, got {type(config).__name__}")
        self.config = config
        self._transport = AsyncTransport(config, http_session)
        self._closed = False
        self._parent: AsyncBaseClient | None = None  # the client a view was made from

    @classmethod
    def from_settings(cls: type[_C], settings: Mapping[str, Any]) -> _C:
        """A client from a settings mapping, e.g. Django's ``settings.CODEGEN_CONFIG``."""
        return cls(CodegenConfig.from_settings(settings))

    def _org(self, org_id: int | None) -> int:
        """The given org id, else the configured one; never a silent default."""
        if type(org_id) is int and org_id > 0:  # the common case, without a call
            return org_id
        return resolve_org(org_id, self.config.org_id)

    def get_stats(self) -> ClientStats:
        """Request metrics: totals, success and error rates, latency percentiles, per group."""
        return self._transport.metrics.snapshot()

    def reset_stats(self) -> None:
        """Set every request counter back to zero."""
        self._transport.metrics.reset()

    def get_rate_limit_status(self) -> RateLimitStatus:
        """Rate-limit state per endpoint group and overall (``.groups``, ``.overall``).

        Each has ``limit``, ``remaining``, ``reset_time`` (UNIX time the next slot frees),
        ``reset_in`` (seconds until then) and ``time_waiting``; in adaptive mode ``limit``
        is what was learned from 429s. The top-level ``limit`` / ``remaining`` /
        ``reset_time`` are the overall cap's, or the ``standard`` group's when no overall
        cap is set. ``.dict()`` gives plain, JSON-able data.
        """
        return self._transport.limiter.status()

    def get_cache_stats(self) -> CacheStats:
        """Cache counters (``hits``, ``misses``, ``size``, ``evictions``, ``declined``,
        ``hit_rate``)."""
        cache = self._transport.cache
        if cache is None:
            return CacheStats(0, 0, 0, 0, 0)
        return cache.stats()

    def clear_cache(self) -> None:
        """Drop every cached response."""
        if self._transport.cache is not None:
            self._transport.cache.clear()

    def with_options(
        self: _C,
        *,
        timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        org_id: int | NotGiven | None = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        default_query: Mapping[str, QueryValue] | NotGiven = NOT_GIVEN,
    ) -> _C:
        """A view of this client with other defaults for its calls.

        It shares this client's connection pool, rate limiter, cache and statistics:
        making one costs no connection. ``default_headers`` and ``default_query`` go on
        top of the client's own. Closing a view closes nothing; closing the client it
        came from closes the pool under both. Bad values raise
        :class:`ConfigurationError` here, before any request::

            quick = client.with_options(timeout=5, max_retries=0)
            run = await quick.get_agent_run(run_id=42)
        """
        changes: dict[str, Any] = {}
        if not isinstance(timeout, NotGiven):
            changes["timeout"] = timeout
        if not isinstance(max_retries, NotGiven):
            changes["max_retries"] = max_retries
        if not isinstance(org_id, NotGiven):
            changes["org_id"] = org_id
        if not isinstance(default_headers, NotGiven):
            changes["default_headers"] = {**self.config.default_headers, **default_headers}
        if not isinstance(default_query, NotGiven):
            changes["default_query"] = {**self.config.default_query, **default_query}
        view = copy.copy(self)
        view.config = self.config.replace(**changes)
        view._transport = self._transport.view(view.config)
        view._parent = self._parent or self  # keeps the pool's owner alive
        return view

    async def aclose(self) -> None:
        """Close the connection pool. Safe to call twice; the client may reopen later.

        A view made by :meth:`with_options` owns no pool: closing it does nothing.
        """
        if self._parent is not None:
            return
        self._closed = True
        await self._transport.aclose()

    async def __aenter__(self: _C) -> _C:
        self._closed = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        org = self.config.org_id
        return f"<{type(self).__name__} base_url={self.config.base_url!r} org_id={org!r}>"

    def __del__(self) -> None:
        transport = getattr(self, "_transport", None)
        if getattr(self, "_parent", None) is None and transport is not None and transport.is_open:
            warnings.warn(
                f"unclosed {type(self).__name__}: use it as a context manager, or close it",
                ResourceWarning,
                stacklevel=2,
            )
            transport.abandon()
