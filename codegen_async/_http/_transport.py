"""The request pipeline: rate limit -> cache -> HTTP attempt -> map errors -> retry -> decode.

One call to :meth:`AsyncTransport.request` is one logical API call; the retry policy
reads in one place, in :meth:`AsyncTransport.request`.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from .._ratelimit._limiter import AsyncRateLimiter, SlotUnavailable
from ..config import CodegenConfig
from ..errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    CodegenError,
    DecodeError,
    RateLimitError,
)
from ._backend import IS_ASYNC, AsyncHTTPBackend, CancelledError, Job, monotonic, sleep
from ._cache import ResponseCache
from ._capture import current_capture
from ._errormap import error_for_response, redact
from ._metrics import Metrics
from ._network import network_for
from ._options import merge_body, read_options
from ._response import RawResponse
from ._retry import check_resend, delays, retryable, server_delay, status_delay
from ._types import NOT_GIVEN, NotGiven
from ._urls import encode_query, join, origin, safe_url
from ._validate import check_count, check_timeout

if TYPE_CHECKING:
    from .._ratelimit._redis_limiter import AsyncRedisRateLimiter
    from ._backend import HTTPSession

__all__ = ["AsyncTransport"]

T = TypeVar("T")

logger = logging.getLogger("codegen")

_MAX_REDIRECTS = 3


class AsyncTransport:
    """Sends API requests for one client: auth, pacing, caching, retries, decoding."""

    def __init__(self, config: CodegenConfig, http_session: HTTPSession | None = None) -> None:
        self.config = config
        self._base = config.base_url.rstrip("/")
        headers = {"Accept": "application/json", "User-Agent": config.user_agent}
        if config.api_token:
            headers["Authorization"] = f"Bearer {config.api_token}"
        self._http = AsyncHTTPBackend(
            headers=headers,
            max_connections=config.max_connections,
            network=network_for(config, http_session),
            max_response_size=config.max_response_size,
            http_session=http_session,
        )
        self._set_defaults(config)
        self._has_token = bool(config.api_token)
        self._secret = config.api_token  # masked in every error this transport raises
        # In memory by default; shared through Redis with config.rate_limit_backend.
        self.limiter = _limiter_for(config)
        # Keyed by URL: the cache is this client's own, and a client has one token, so
        # two tokens never share an entry. An async client's cache lives on its event
        # loop's thread alone and needs no lock.
        self.cache = (
            ResponseCache(
                config.cache_ttl,
                config.cache_max_size,
                max_bytes=config.cache_max_bytes,
                thread_safe=not IS_ASYNC,
            )
            if config.enable_caching
            else None
        )
        self.metrics = Metrics()

    def _set_defaults(self, config: CodegenConfig) -> None:
        """What every call of this transport (or view) sends and allows by default."""
        self.config = config
        self._max_retries = config.max_retries
        self._timeout = config.timeout
        self._query: Mapping[str, Any] | None = config.default_query or None
        # The backend sends the session's headers with every request; these go on top
        # (default headers are never sent on a redirect to another origin).
        extra = dict(config.default_headers)
        self._plain_headers = self._http.prepare_headers(extra) if extra else None
        self._json_headers = self._http.prepare_headers(
            {"Content-Type": "application/json", **extra}
        )

    def view(self, config: CodegenConfig) -> AsyncTransport:
        """A transport with other per-call defaults (``config``'s timeout, retries,
        default headers and query) sharing this one's pool, limiter, cache and metrics."""
        twin = copy.copy(self)
        twin._set_defaults(config)
        return twin

    async def request(  # noqa: PLR0912, PLR0915 - the attempt loop stays inline (see there)
        self,
        method: str,
        path: str,
        decoder: msgspec.json.Decoder[T],
        *,
        group: str = "standard",
        query: dict[str, Any] | None = None,
        body: bytes | None = None,
        idempotent: bool = True,
        timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        cache: bool = True,
        remember: bool = True,
        cache_forever: Callable[[Any], bool] | None = None,
        invalidates: str | None = None,
        before_send: Job[None] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> T:
        """Send one API call and decode its 2xx body with ``decoder``.

        ``cache_forever`` is an optional predicate on the decoded value: when it holds,
        the entry never expires (a finished agent run never changes). ``invalidates`` is
        a path prefix whose cached answers this call (a write) makes stale; they are
        dropped whatever the outcome, since a failed write may still have happened.
        ``timeout`` and ``max_retries`` override the configured ones for this call; they
        are checked here, before anything is sent. ``before_send`` runs before each
        attempt, once its rate-limit slot is taken and just before the request may leave:
        the bulk runner records its intent there (and may refuse, raising, to send nothing).

        ``cache=False`` skips the lookup but stores the fresh answer for later reads,
        unless ``remember=False`` too: a path that never reads the cache keeps out of it.
        ``timeout`` bounds each attempt whole (connect, send, headers, body, redirect
        hops); the call's waits for a rate-limit slot, together, never exceed it either.
        ``options`` are a method's ``**options`` (:class:`RequestOptions`), checked here.
        """
        headers = self._json_headers if body is not None else self._plain_headers
        if options:
            call = read_options(options)
            timeout = timeout if isinstance(call.timeout, NotGiven) else call.timeout
            max_retries = (
                max_retries if isinstance(call.max_retries, NotGiven) else call.max_retries
            )
            if call.query:
                query = {**(query or {}), **call.query}
            if call.body is not None:
                body = merge_body(method, body, call.body)
                headers = self._json_headers
            if call.headers:
                # Headers may change the answer: such a call neither reads nor fills the cache.
                cache = remember = False
                headers = self._http.prepare_headers(
                    {**headers, **call.headers} if headers else call.headers
                )
        url, attempt_timeout, retries_left = self._target(method, path, query, timeout, max_retries)
        store = self.cache if method == "GET" and (cache or remember) else None
        missed = keep = False  # a lookup that found nothing; an answer the cache would admit
        started = monotonic()
        if store is not None:
            # cache=False stores the fresh answer for later reads (set decides) unlooked.
            found = store.lookup(url, started) if cache else True
            if isinstance(found, bytes):
                self.metrics.record_cache(group, True)
                self.keep_raw(200, found, method, url, cached=True)
                return self._decode(decoder, found, method, url, 200)
            missed, keep = cache, found
            # Read before sending: a write that invalidates meanwhile makes this stale.
            generation = store.generation
        # The attempt loop stays inline rather than in a helper: in the async client a
        # helper coroutine would add an await level, paid each time the task resumes.
        backoff_delays = None  # made on the first retry: most calls never need one
        limiter = self.limiter
        waited = 0.0
        attempt = 0
        try:
            while True:
                attempt += 1
                # The slot is taken before a pooled connection is: a waiting call holds none.
                if limiter.take_now(group):
                    sent_at = started if attempt == 1 else monotonic()
                else:
                    try:
                        waited += await limiter.acquire(group, attempt_timeout - waited)
                    except SlotUnavailable as exc:
                        raise self._no_slot(group, method, url, exc.wait, attempt_timeout) from None
                    sent_at = monotonic()
                if before_send is not None:
                    try:
                        await before_send()
                    except BaseException:
                        if not limiter.release_now(group, False, monotonic()):
                            await limiter.release(group, False)
                        raise
                try:
                    response = await self._http.request(
                        method, url, headers=headers, body=body, timeout=attempt_timeout
                    )
                    if 300 <= response.status < 400 and method == "GET":
                        response = await self._follow(url, response, attempt_timeout, sent_at)
                except BaseException as exc:
                    if not limiter.release_now(group, False, monotonic()):
                        await limiter.release(group, False)
                    if not isinstance(exc, APIConnectionError):
                        raise  # cancelled, or an error we do not retry
                    redact(exc, self._secret)
                    check_resend(
                        self.config,
                        exc,
                        method,
                        url,
                        idempotent=idempotent,
                        retries_left=retries_left,
                    )
                    backoff_delays = backoff_delays or self._backoff()
                    delay = next(backoff_delays)
                    self._log_retry(method, url, attempt, delay, exc.message)
                else:
                    ok = response.status < 300
                    finished = monotonic()  # one clock read: the limiter's stamp, the metrics
                    if not limiter.release_now(group, ok, finished):
                        await limiter.release(group, ok)
                    if logger.isEnabledFor(logging.DEBUG):
                        _log_request(method, url, response.status, sent_at, attempt)
                    if ok:
                        break
                    backoff_delays = backoff_delays or self._backoff()
                    delay = await self._status_retry(
                        response,
                        method,
                        url,
                        group=group,
                        idempotent=idempotent,
                        retries_left=retries_left,
                        backoff=next(backoff_delays),
                        attempt=attempt,
                        sent_at=sent_at,
                    )
                retries_left -= 1
                if delay > 0:
                    await sleep(delay)
        except BaseException as exc:
            self._failed(exc, group, monotonic() - started - waited, waited, missed)
            raise
        finally:
            if invalidates is not None:
                self.invalidate(invalidates)
        self.metrics.record_ok(group, finished - started - waited, waited, missed)
        capture = current_capture()
        if capture is not None:
            capture.fill(response, method, safe_url(url), finished - started, attempts=attempt)
        value = self._decode(decoder, response.body, method, url, response.status)
        if keep and store is not None:
            forever = cache_forever is not None and cache_forever(value)
            store.set(url, response.body, finished, forever, generation)
        return value

    def _target(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None,
        timeout: float | NotGiven,
        max_retries: int | NotGiven,
    ) -> tuple[str, float, int]:
        """A call's URL, attempt timeout and retries, checked before anything is sent."""
        attempt_timeout = self._timeout if timeout is NOT_GIVEN else check_timeout(timeout)
        retries = (
            self._max_retries
            if max_retries is NOT_GIVEN
            else check_count("max_retries", max_retries)
        )
        url = self._base + path
        if self._query is not None:
            query = {**self._query, **query} if query else self._query
        if query:
            url += "?" + encode_query(query)
        if not self._has_token:  # a sure 401: say how to fix it, without a round trip
            raise AuthenticationError(
                "no API token: set the CODEGEN_API_TOKEN environment variable or pass "
                "api_token=... to the client or CodegenConfig (nothing was sent)",
                method=method,
                url=safe_url(url),
            )
        return url, attempt_timeout, retries

    def _failed(
        self, exc: BaseException, group: str, elapsed: float, waited: float, missed: bool
    ) -> None:
        """Count a call that ended in ``exc`` (a cancelled one is not a failure)."""
        if isinstance(exc, CodegenError):
            redact(exc, self._secret)
        if not isinstance(exc, CancelledError):
            # Response time excludes the limiter's pacing; that is reported on its own.
            self.metrics.record(
                group,
                False,
                elapsed,
                rate_limited=isinstance(exc, RateLimitError),
                waited=waited,
            )
        if missed:
            self.metrics.record_cache(group, False)

    @staticmethod
    def check_options(options: Mapping[str, Any] | None) -> None:
        """Check a method's per-call options as :meth:`request` does (for the mock)."""
        if options:
            read_options(options)

    @staticmethod
    def keep_raw(status: int, body: bytes, method: str, url: str, *, cached: bool = False) -> None:
        """Give an answer made without an HTTP exchange of its own (the cache's, the mock
        client's) to ``with_raw_response``."""
        capture = current_capture()
        if capture is not None:
            capture.fill(
                RawResponse(status, {}, body),
                method,
                safe_url(url),
                0.0,
                attempts=0 if cached else 1,
                cached=cached,
            )

    def invalidate(self, path_prefix: str) -> None:
        """Drop cached answers under ``path_prefix`` (after a write changes them)."""
        if self.cache is not None:
            self.cache.invalidate(self._base + path_prefix)

    async def _status_retry(
        self,
        response: RawResponse,
        method: str,
        url: str,
        *,
        group: str,
        idempotent: bool,
        retries_left: int,
        backoff: float,
        attempt: int,
        sent_at: float,
    ) -> float:
        """After a non-2xx answer: raise its error, or return the delay before a retry."""
        status = response.status
        error = error_for_response(response, method, safe_url(url))
        redact(error, self._secret)
        # A RateLimitError read the server's delay already; others may carry one too.
        retry_after = (
            error.retry_after if isinstance(error, RateLimitError) else server_delay(error.headers)
        )
        if retry_after is not None:
            # A server-given delay is honoured up to retry_max_delay, never more: one odd
            # Retry-After must not stall the endpoint group (and every caller) for an hour.
            retry_after = min(retry_after, self.config.retry_max_delay)
        limiter = self.limiter
        if status == 429:
            await limiter.penalize(group, retry_after, sent_at)
        if not retryable(self.config, error, status, idempotent) or retries_left <= 0:
            if isinstance(error, RateLimitError) and error.retry_after is None:
                # No Retry-After from the server: say when our own window frees a
                # slot, so `sleep(e.retry_after)` works (never less than a second).
                error.retry_after = max(1.0, limiter.status().groups[group].reset_in)
            raise error
        self.metrics.record_retry(group, rate_limited=status == 429)
        delay = status_delay(self.config, status, retry_after, backoff, self.limiter.strategy)
        self._log_retry(method, url, attempt, delay, f"{status} {error.detail}")
        return delay

    def _backoff(self) -> Iterator[float]:
        return delays(self.config.retry_backoff_factor, self.config.retry_max_delay)

    def _no_slot(
        self, group: str, method: str, url: str, wait: float, timeout: float
    ) -> RateLimitError:
        """The error of a call whose rate-limit slot would come after its timeout."""
        return RateLimitError(
            f"no {group!r} rate-limit slot within the call's timeout ({timeout:g} s); "
            f"one frees in about {wait:.1f} s",
            retry_after=max(wait, 0.001),
            method=method,
            url=safe_url(url),
        )

    async def _follow(
        self, url: str, response: RawResponse, timeout: float, sent_at: float
    ) -> RawResponse:
        """Follow up to 3 redirects of a GET, dropping the token when the origin changes.

        The hops share the attempt's deadline (``timeout`` from ``sent_at``).
        """
        anonymous = False
        hops = 0
        while (
            response.status in (301, 302, 303, 307, 308)
            and "location" in response.headers
            and hops < _MAX_REDIRECTS
        ):
            hops += 1
            location = response.headers["location"]
            try:
                target = join(url, location)
                # Once off the API's origin, the token is never sent again.
                anonymous = anonymous or origin(target) != origin(url)
                left = timeout - (monotonic() - sent_at)
                if left <= 0:
                    raise APITimeoutError(
                        f"request timed out after {timeout:g} s (following redirects)",
                        method="GET",
                        url=safe_url(url),
                    )
                # Default headers go only where the token goes: the API's own origin.
                response = await self._http.request(
                    "GET",
                    target,
                    headers=None if anonymous else self._plain_headers,
                    body=None,
                    timeout=left,
                    anonymous=anonymous,
                )
            except ValueError as exc:  # urljoin or the HTTP library refused the target
                raise APIConnectionError(
                    f"invalid redirect target {location[:200]!r}",
                    method="GET",
                    url=safe_url(url),
                    request_sent=False,
                ) from exc
            url = target
        return response

    def _decode(
        self, decoder: msgspec.json.Decoder[T], body: bytes, method: str, url: str, status: int
    ) -> T:
        try:
            return decoder.decode(body)
        except (msgspec.DecodeError, RecursionError) as exc:  # ValidationError included
            what = (
                "does not match the API schema"
                if isinstance(exc, msgspec.ValidationError)
                else "is not valid JSON"
            )
            error = DecodeError(
                f"response {what}: {exc}",
                method=method,
                url=safe_url(url),
                status_code=status,
                body=body,
            )
            raise redact(error, self._secret) from exc

    def _log_retry(self, method: str, url: str, attempt: int, delay: float, why: str) -> None:
        logger.info(
            "retrying %s %s after attempt %d in %.2f s: %s",
            method,
            safe_url(url),
            attempt,
            delay,
            why,
        )

    def abandon(self) -> None:
        """Close the pool without waiting (garbage collection of an open client)."""
        self._http.abandon()

    async def aclose(self) -> None:
        """Close the connection pool (and the shared limiter's Redis connections)."""
        try:
            await self._http.aclose()
        finally:
            await self.limiter.aclose()

    @property
    def is_open(self) -> bool:
        return self._http.is_open


def _log_request(method: str, url: str, status: int, sent_at: float, attempt: int) -> None:
    logger.debug(
        "%s %s -> %d in %.1f ms (attempt %d)",
        method,
        safe_url(url),
        status,
        (monotonic() - sent_at) * 1000,
        attempt,
    )


def _limiter_for(config: CodegenConfig) -> AsyncRateLimiter | AsyncRedisRateLimiter:
    """The limiter ``config`` asks for: shared through Redis, or in memory (the default)."""
    if config.rate_limit_backend and config.rate_limit_strategy != "none":
        from .._ratelimit._redis_limiter import (
            AsyncRedisRateLimiter,  # Redis support loads on demand
        )

        return AsyncRedisRateLimiter(config)
    return AsyncRateLimiter(config)
