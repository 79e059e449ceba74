"""The async seam: every primitive that differs between ``codegen_async`` and ``codegen_sync``.

``codegen_sync/_http/_backend.py`` offers the same names without ``Async`` (the only
hand-written module of the sync package). Everything above this module is written
once and generated for sync by ``scripts/unasync.py``.

aiohttp is imported lazily, when the first session opens, so that importing the
package (and ``codegen_sync``, which shares its pure modules) stays light.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from aiolimiter import AsyncLimiter as _AioLimiter

from ..errors import (
    APIConnectionError,
    APITimeoutError,
    CodegenError,
    ResponseTooLargeError,
)
from ._deadline import Deadlines
from ._errormap import redact
from ._network import Network
from ._response import RawResponse

if TYPE_CHECKING:
    import aiohttp

    #: What a caller may give the client as its own pool (``http_session=``).
    HTTPSession = aiohttp.ClientSession

__all__ = [
    "IS_ASYNC",
    "AsyncEvent",
    "AsyncHTTPBackend",
    "AsyncLeakyBucket",
    "AsyncLock",
    "AsyncRedisConnector",
    "AsyncSemaphore",
    "Call",
    "CancelledError",
    "Job",
    "background_task",
    "gather_bounded",
    "monotonic",
    "resolve",
    "sleep",
    "wait_event",
]

IS_ASYNC = True
T = TypeVar("T")
P = ParamSpec("P")
Job = Callable[[], Awaitable[T]]
"""A unit of work for :func:`gather_bounded`: a zero-argument coroutine function."""
Call = Callable[P, Awaitable[T]]
"""A method, as the raw-response wrapper takes it: a coroutine function."""


CancelledError = asyncio.CancelledError
AsyncLock = asyncio.Lock
AsyncEvent = asyncio.Event
AsyncSemaphore = asyncio.Semaphore
monotonic = time.monotonic


async def sleep(seconds: float) -> None:
    """Sleep without blocking the event loop."""
    await asyncio.sleep(seconds)


async def wait_event(event: AsyncEvent, timeout: float | None) -> bool:
    """Wait until ``event`` is set or ``timeout`` seconds pass; return whether it is set."""
    if timeout is None:
        await event.wait()
        return True
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except asyncio.TimeoutError:
        return event.is_set()
    return True


async def resolve(value: Any) -> Any:
    """``value``, awaited first if it is awaitable (a user callback may be ``async def``)."""
    if inspect.isawaitable(value):
        return await value
    return value


class AsyncLeakyBucket:
    """aiolimiter's leaky bucket: ``max_rate`` requests per ``time_period``, smoothly.

    aiolimiter binds to the loop it first runs in; a client may be reused in a later
    loop, so the bucket starts afresh in each new loop instead of warning.
    """

    def __init__(self, max_rate: float, time_period: float) -> None:
        self.max_rate = max_rate
        self.time_period = time_period
        self._limiter: _AioLimiter | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current(self) -> _AioLimiter:
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._loop is not loop:
            self._limiter = _AioLimiter(self.max_rate, self.time_period)
            self._loop = loop
        return self._limiter

    def has_capacity(self) -> bool:
        return self._limiter is None or self._current().has_capacity()

    async def acquire(self, max_wait: float = math.inf) -> bool:
        """Take a unit, waiting at most ``max_wait`` seconds; False if none came in time."""
        if max_wait == math.inf:
            await self._current().acquire()
            return True
        if max_wait <= 0:
            max_wait = 0.0
        try:
            await asyncio.wait_for(self._current().acquire(), max_wait)
        except asyncio.TimeoutError:
            return False
        return True


async def gather_bounded(
    jobs: Iterable[Callable[[], Awaitable[T]]],
    max_concurrent: int,
) -> list[T]:
    """Run ``jobs`` with at most ``max_concurrent`` at a time; results in input order.

    Each job must handle its own errors (bulk jobs turn them into results). On
    cancellation every started job is cancelled and awaited before this returns.
    """
    job_list = list(jobs)
    results: list[Any] = [None] * len(job_list)
    queue = iter(enumerate(job_list))

    async def worker() -> None:
        for index, job in queue:
            results[index] = await job()

    workers = [
        asyncio.ensure_future(worker()) for _ in range(max(1, min(max_concurrent, len(job_list))))
    ]
    try:
        await asyncio.gather(*workers)
    finally:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    return results


class background_task:
    """Run ``target()`` in the background (a task); ``stop()`` cancels and awaits it."""

    def __init__(self, target: Callable[[], Awaitable[None]], name: str) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise CodegenError(
                f"{name} needs a running event loop: start it from async code"
            ) from None
        self._task = asyncio.ensure_future(target())
        self._task.set_name(name)

    @property
    def running(self) -> bool:
        return not self._task.done()

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


class AsyncHTTPBackend:
    """A pooled HTTP/1.1 client over aiohttp, bound to one event loop at a time.

    The session opens lazily inside the running loop. A client closed with
    ``aclose()`` may be used again in a later loop (a new session opens). A session
    given as ``http_session`` is used as it is (its pool, limits, TLS, proxies) and never
    closed here; our headers then go with every request instead of as its defaults.
    """

    def __init__(
        self,
        *,
        headers: Mapping[str, str] | None = None,
        max_connections: int = 100,
        network: Network | None = None,
        max_response_size: int = 64 * 1024 * 1024,
        http_session: aiohttp.ClientSession | None = None,
    ) -> None:
        # Sent with every request (as session defaults: aiohttp merges nothing per call).
        self._network = network = network or Network()
        self._default_headers = {**(headers or {}), **network.api_forward_headers}
        self._max_connections = max_connections
        api_proxy = self._network.api_proxy
        # Decided once: the API's origin always goes the same way (None: directly).
        self._proxy = api_proxy.url if api_proxy else None
        self._proxy_headers = api_proxy.headers or None if api_proxy else None
        self._secrets = self._network.secrets
        self._max_response_size = max_response_size
        self._given = http_session
        # Our headers go with each request, not as session defaults, with a session of the
        # caller's (its defaults are not ours) and through a proxy: aiohttp copies session
        # defaults into the CONNECT request, and would send our Authorization to the proxy.
        self._headers_per_request = http_session is not None or api_proxy is not None
        self._per_request: Any = None
        if self._headers_per_request:
            self._per_request = self.prepare_headers({})
        self._session: aiohttp.ClientSession | None = None
        self._anonymous: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._aiohttp: Any = None
        self._url: Any = None
        self._deadlines: Deadlines | None = None
        self._no_timeout: Any = None

    def prepare_headers(self, headers: Mapping[str, str]) -> Any:
        """Headers in the form the HTTP library takes fastest (built once, reused)."""
        from multidict import CIMultiDict

        if self._headers_per_request:  # the session has none of ours: send them all
            return CIMultiDict({**self._default_headers, **headers})
        return CIMultiDict(headers)

    @property
    def is_open(self) -> bool:
        return self._session is not None and not self._session.closed

    def _open(self) -> aiohttp.ClientSession:
        session = self._session
        loop = asyncio.get_running_loop()
        if session is not None and not session.closed:
            if self._loop is loop:
                return session
            raise CodegenError(
                "this AsyncCodegenClient is still open in another event loop; close it "
                "(`await client.aclose()` or `async with client:`) before that loop ends, "
                "or create one client per event loop"
            )
        import aiohttp
        import yarl

        self._aiohttp = aiohttp
        self._url = yarl.URL
        # Timeouts are ours (see _deadline): aiohttp's per-request timers stay off.
        self._no_timeout = aiohttp.ClientTimeout(total=None, sock_connect=None)
        if self._given is not None:
            if self._given.closed:
                raise CodegenError("the http_session given to AsyncCodegenClient is closed")
            session = self._given
        else:
            network = self._network
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                limit_per_host=self._max_connections,
                ssl=network.ssl_context or network.verify,
            )
            # trust_env stays off: the environment's proxies were read once (_network);
            # aiohttp would look them up again for every request, in a thread.
            session = aiohttp.ClientSession(
                connector=connector,
                headers=None if self._headers_per_request else self._default_headers,
                trust_env=False,
                auto_decompress=True,
                raise_for_status=False,
            )
        if self._deadlines is not None:
            self._deadlines.close()
        self._deadlines = Deadlines(loop)
        self._session = session
        self._loop = loop
        return session

    def _open_anonymous(self) -> aiohttp.ClientSession:
        """A session on the same pool without the ``Authorization`` header (redirects).

        Also over a session of the caller's: its default headers may hold credentials too.
        """
        session = self._open()
        if self._anonymous is None or self._anonymous.closed:
            headers = {
                k: v
                for k, v in self._default_headers.items()
                if k not in ("Authorization", "Proxy-Authorization")
            }
            given = self._given
            self._anonymous = self._aiohttp.ClientSession(
                connector=session.connector,
                connector_owner=False,
                headers=headers,
                trust_env=given.trust_env if given is not None else False,
                # A given session's own proxy (aiohttp keeps it without a public name).
                proxy=getattr(given, "_default_proxy", None),
            )
        return self._anonymous

    def _hop(self, url: str) -> tuple[aiohttp.ClientSession, str | None, Any, Any]:
        """A redirect hop to another origin: the anonymous session, the proxy for its host
        (``NO_PROXY`` applies; a given session decides itself), the proxy's headers for a
        tunnel and those for a forwarded (http://) request."""
        session = self._open_anonymous()
        proxy = None if self._given is not None else self._network.proxies.for_url(url)
        if proxy is None:
            return session, None, None, None
        if not proxy.headers:
            return session, proxy.url, None, None
        forwarded = proxy.headers if url[:5].lower() == "http:" else None
        return session, proxy.url, proxy.headers, forwarded

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Any = None,
        body: bytes | None,
        timeout: float,
        anonymous: bool = False,
    ) -> RawResponse:
        """Send one request (never following redirects); map every transport error.

        ``headers`` (from :meth:`prepare_headers`) go on top of the default ones;
        ``anonymous`` leaves out the default ``Authorization`` header.
        """
        if anonymous:
            session, proxy, proxy_headers, headers = self._hop(url)
        else:
            session = self._open()
            proxy, proxy_headers = self._proxy, self._proxy_headers
            headers = self._per_request if headers is None else headers
        aiohttp = self._aiohttp
        deadlines = self._deadlines
        task = asyncio.current_task(self._loop)
        if deadlines is None or task is None:
            raise CodegenError("AsyncCodegenClient requests must run inside an asyncio task")
        armed = deadlines.start(task, timeout)
        try:
            # Awaited directly, not through ``async with``: one coroutine level less on
            # every resume. The ``finally`` below does what the context manager would.
            resp = await session.request(
                method,
                # Our URLs are built already encoded: skip yarl's parsing and re-quoting.
                self._url(url, encoded=True),
                headers=headers,
                data=body,
                timeout=self._no_timeout,
                allow_redirects=False,
                proxy=proxy,
                proxy_headers=proxy_headers,
            )
            try:
                length = resp.content_length
                if (
                    length is not None
                    and length <= self._max_response_size
                    and "Content-Encoding" not in resp.headers
                ):
                    data = await resp.read()
                else:
                    data = await self._read_capped(resp, method, url, length)
                # The library's own header mapping, not a copy: most answers are never asked.
                return RawResponse(resp.status, resp.headers, data)
            finally:
                resp.release()
                if body is not None:  # only a request with a body has a writer to wait for
                    await resp.wait_for_close()
        except asyncio.CancelledError:
            if deadlines.timed_out(task):
                raise APITimeoutError(
                    f"request timed out after {timeout:g} s", method=method, url=url
                ) from None
            raise
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            raise self._masked(_transport_error(aiohttp, exc, method, url, timeout), exc) from exc
        finally:
            armed.discard(task)  # disarms the deadline

    def _masked(self, error: CodegenError, cause: BaseException) -> CodegenError:
        """``error`` with a proxy's password masked in it and in its cause."""
        if self._secrets:
            error.__cause__ = cause
            for secret in self._secrets:
                redact(error, secret)
        return error

    async def _read_capped(self, resp: Any, method: str, url: str, length: int | None) -> bytes:
        """The body, decoded; its *decoded* size is held to ``max_response_size``.

        aiohttp inflates a compressed body a bounded piece at a time: a small body that
        swells to gigabytes is stopped at the limit, never held whole.
        """
        limit = self._max_response_size
        if length is not None and length > limit and "Content-Encoding" not in resp.headers:
            raise _too_large(f"response body of {length} bytes", limit, method, url, resp)
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(65536):
            size += len(chunk)
            if size > limit:
                raise _too_large("response body", limit, method, url, resp)
            chunks.append(chunk)
        return b"".join(chunks)

    def abandon(self) -> None:
        """Best-effort close without awaiting, for a client garbage-collected while open."""
        self._close_deadlines()
        session, self._session = self._session, None
        if self._anonymous is not None:
            self._anonymous.detach()
            self._anonymous = None
        if session is None or session.closed or session is self._given:
            return
        connector = session.connector
        session.detach()  # the session now counts as closed: aiohttp will not warn again
        if connector is not None:
            with contextlib.suppress(Exception):
                _close_abandoned(connector, self._loop)

    def _close_deadlines(self) -> None:
        deadlines, self._deadlines = self._deadlines, None
        if deadlines is not None:
            deadlines.close()

    async def aclose(self) -> None:
        """Close the session and its connections (idempotent)."""
        self._close_deadlines()
        anonymous, self._anonymous = self._anonymous, None
        if anonymous is not None and not anonymous.closed:
            await anonymous.close()  # not the pool's owner: closes nothing shared
        session, self._session = self._session, None
        if session is not None and not session.closed and session is not self._given:
            await session.close()


_CLOSING: set[asyncio.Future[None]] = set()  # abandoned pools being closed: kept alive


def _close_abandoned(connector: Any, loop: asyncio.AbstractEventLoop | None) -> None:
    """Close the pool of a client garbage-collected while open, on the pool's own loop.

    ``connector.close()`` is a coroutine: on the running loop it becomes a task, on a loop
    running in another thread it is handed over, on a stopped loop it is run to the end.
    A closed loop took the connections with it.
    """
    if loop is None or loop.is_closed():
        return
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        task = loop.create_task(connector.close())
        _CLOSING.add(task)
        task.add_done_callback(_CLOSING.discard)
    elif loop.is_running():
        asyncio.run_coroutine_threadsafe(connector.close(), loop)
    elif running is None:
        loop.run_until_complete(connector.close())


def _too_large(what: str, limit: int, method: str, url: str, resp: Any) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{what} exceeds max_response_size={limit}",
        method=method,
        url=url,
        status_code=resp.status,
    )


def _transport_error(
    aiohttp: Any, exc: BaseException, method: str, url: str, timeout: float
) -> CodegenError:
    """The error of ours that an aiohttp or socket failure becomes."""
    if isinstance(exc, aiohttp.ClientHttpProxyError):  # the proxy refused the tunnel
        return APIConnectionError(
            f"the proxy refused the connection: {exc.status} {exc.message}",
            method=method,
            url=url,
            request_sent=False,
        )
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return APIConnectionError(
            f"cannot connect to the proxy: {exc.os_error or exc}",
            method=method,
            url=url,
            request_sent=False,
        )
    if isinstance(exc, aiohttp.ClientConnectorError):
        return APIConnectionError(
            f"cannot connect: {exc.os_error or exc}", method=method, url=url, request_sent=False
        )
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return APITimeoutError(f"request timed out after {timeout:g} s", method=method, url=url)
    if isinstance(exc, aiohttp.InvalidURL):
        return APIConnectionError(f"invalid URL: {exc}", method=method, url=url, request_sent=False)
    return APIConnectionError(
        f"connection failed: {type(exc).__name__}: {exc}", method=method, url=url
    )


class AsyncRedisConnector:
    """A ``redis.asyncio`` client for one URL: shared rate limits and bulk ledgers.

    redis is imported, and the client made, on first use in the running loop (a later
    loop gets a client of its own). Every redis failure becomes a
    :class:`CoordinationError` naming the server without its credentials.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scripts: dict[str, Any] = {}

    def _open(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            import redis.asyncio
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            # No hidden retries: the callers decide how long an outage may last.
            self._client = redis.asyncio.Redis.from_url(
                self.url,
                decode_responses=True,
                socket_connect_timeout=2.0,
                socket_timeout=5.0,
                retry=Retry(NoBackoff(), 0),
            )
            self._loop = loop
            self._scripts = {}
        return self._client

    async def command(self, *args: Any) -> Any:
        """Run one Redis command (``"SET", key, value, "NX"``...) and return its answer."""
        try:
            return await self._open().execute_command(*args)
        except Exception as exc:
            raise _redis_error(exc, self.url) from exc

    async def script(self, source: str, keys: list[str], args: list[Any]) -> Any:
        """Run a Lua script atomically on the server (cached there by its digest)."""
        client = self._open()
        runner = self._scripts.get(source)
        if runner is None:
            runner = self._scripts[source] = client.register_script(source)
        try:
            return await runner(keys=keys, args=args)
        except Exception as exc:
            raise _redis_error(exc, self.url) from exc

    async def aclose(self) -> None:
        """Close the connections (idempotent)."""
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()


def _redis_error(exc: Exception, url: str) -> CodegenError:
    from .._ratelimit._redis import CoordinationError, describe_redis_error

    return CoordinationError(describe_redis_error(exc, url))
