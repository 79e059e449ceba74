"""The sync seam: the twin of ``codegen_async/_backend.py`` (hand-written, not generated).

It offers the same names without ``Async``: urllib3 for HTTP, ``time.sleep``, threading
locks and events, a thread-safe leaky bucket, a thread pool for bounded concurrency and
a thread for background loops. It never imports aiohttp or asyncio.
"""

from __future__ import annotations

import http.client
import inspect
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    EmptyPoolError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)

from codegen_async._response import RawResponse
from codegen_async.errors import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    ResponseTooLargeError,
)

__all__ = [
    "IS_ASYNC",
    "WANTED_HEADERS",
    "CancelledError",
    "Event",
    "HTTPBackend",
    "Job",
    "LeakyBucket",
    "Lock",
    "RedisConnector",
    "Semaphore",
    "background_task",
    "gather_bounded",
    "monotonic",
    "resolve",
    "sleep",
    "wait_event",
]

IS_ASYNC = False
T = TypeVar("T")
Job = Callable[[], T]
"""A unit of work for :func:`gather_bounded`: a zero-argument function."""

WANTED_HEADERS = ("content-type", "retry-after", "x-request-id", "location")
_NO_HEADERS: dict[str, str] = {}


class CancelledError(BaseException):
    """Never raised in sync code; the twin of ``asyncio.CancelledError`` for ``except`` clauses."""


Lock = threading.Lock
Event = threading.Event
Semaphore = threading.Semaphore
monotonic = time.monotonic
sleep = time.sleep


def wait_event(event: Event, timeout: float | None) -> bool:
    """Wait until ``event`` is set or ``timeout`` seconds pass; return whether it is set."""
    return event.wait(timeout)


def resolve(value: Any) -> Any:
    """``value`` itself; an awaitable here is a mistake (an ``async def`` callback given
    to the sync client), refused with a clear error instead of a never-awaited coroutine."""
    if inspect.isawaitable(value):
        close = getattr(value, "close", None)
        if close is not None:
            close()
        raise ConfigurationError(
            "an async callback was given to the sync client; pass a plain function"
        )
    return value


class LeakyBucket:
    """A thread-safe leaky bucket with aiolimiter's semantics.

    The bucket holds up to ``max_rate`` units and drains at ``max_rate / time_period``
    units per second; ``acquire()`` waits until one more unit fits.
    """

    def __init__(self, max_rate: float, time_period: float) -> None:
        self.max_rate = max_rate
        self.time_period = time_period
        self._rate_per_sec = max_rate / time_period
        self._level = 0.0
        self._last_check = 0.0
        self._lock = threading.Lock()

    def _leak(self) -> None:
        now = time.monotonic()
        if self._level:
            elapsed = now - self._last_check
            self._level = max(self._level - elapsed * self._rate_per_sec, 0.0)
        self._last_check = now

    def has_capacity(self) -> bool:
        with self._lock:
            self._leak()
            return self._level + 1 <= self.max_rate

    def acquire(self) -> None:
        while True:
            with self._lock:
                self._leak()
                if self._level + 1 <= self.max_rate:
                    self._level += 1
                    return
                wait = (self._level + 1 - self.max_rate) / self._rate_per_sec
            time.sleep(wait)


def gather_bounded(jobs: Iterable[Callable[[], T]], max_concurrent: int) -> list[T]:
    """Run ``jobs`` on at most ``max_concurrent`` threads; results in input order.

    On KeyboardInterrupt, jobs not yet started are cancelled and running ones finish
    before the interrupt propagates.
    """
    job_list = list(jobs)
    if not job_list:
        return []
    workers = max(1, min(max_concurrent, len(job_list)))
    from concurrent.futures import ThreadPoolExecutor  # on first use: keeps imports light

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="codegen-bulk")
    try:
        futures = [pool.submit(job) for job in job_list]
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class background_task:
    """Run ``target()`` on a daemon thread; ``stop()`` asks it to end and joins it.

    A thread cannot be cancelled: ``target`` must return by itself once asked to, e.g.
    when an :class:`Event` it sleeps on with :func:`wait_event` is set.
    """

    def __init__(self, target: Callable[[], None], name: str) -> None:
        self._thread = threading.Thread(target=target, name=name, daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._thread.join(timeout)


class HTTPBackend:
    """A pooled HTTP/1.1 client over urllib3, safe to share between threads."""

    def __init__(
        self,
        *,
        headers: Mapping[str, str] | None = None,
        max_connections: int = 100,
        verify_ssl: bool = True,
        max_response_size: int = 64 * 1024 * 1024,
    ) -> None:
        self._default_headers = dict(headers or {})
        self._anonymous_headers = {
            k: v for k, v in self._default_headers.items() if k != "Authorization"
        }
        self._max_response_size = max_response_size
        self._manager = urllib3.PoolManager(
            num_pools=8,
            maxsize=max_connections,
            block=True,  # at most max_connections: further threads wait for a free one
            cert_reqs="CERT_REQUIRED" if verify_ssl else "CERT_NONE",
            retries=False,
        )
        self._pools: dict[str, Any] = {}
        self._timeouts: dict[float, urllib3.Timeout] = {}

    def _timeout(self, seconds: float) -> urllib3.Timeout:
        timeout = self._timeouts.get(seconds)
        if timeout is None:
            timeout = self._timeouts[seconds] = urllib3.Timeout(total=seconds)
        return timeout

    @staticmethod
    def prepare_headers(headers: Mapping[str, str]) -> Any:
        """Headers in the form the HTTP library takes fastest (built once, reused)."""
        return dict(headers)

    @property
    def is_open(self) -> bool:
        """True once a connection pool exists (and until ``close()``)."""
        return bool(self._pools)

    def _pool_for(self, url: str) -> tuple[Any, str]:
        scheme, _, rest = url.partition("://")
        host, slash, path = rest.partition("/")
        origin = f"{scheme}://{host}"
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = self._manager.connection_from_url(origin)
        return pool, slash + path

    def request(
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
            headers = self._anonymous_headers
        elif headers is None:
            headers = self._default_headers
        else:
            headers = {**self._default_headers, **headers}
        try:
            pool, target = self._pool_for(url)
            resp = pool.urlopen(
                method,
                target,
                body=body,
                headers=headers,
                retries=False,
                redirect=False,
                timeout=self._timeout(timeout),
                preload_content=False,
                assert_same_host=False,
                pool_timeout=timeout,
            )
            try:
                data = self._read_capped(resp, method, url)
            finally:
                resp.release_conn()
            status = resp.status
            if status < 300:  # the transport reads headers only of other answers
                return RawResponse(status, _NO_HEADERS, data)
            src = resp.headers
            got = {name: src[name] for name in WANTED_HEADERS if name in src}
            return RawResponse(status, got, data)
        except MaxRetryError as exc:
            raise _map_error(exc.reason or exc, method, url, timeout) from exc
        except (HTTPError, OSError, http.client.HTTPException) as exc:
            raise _map_error(exc, method, url, timeout) from exc
        except ValueError as exc:
            # http.client reading a connection the server closed under it ("I/O operation
            # on closed file"): a dropped connection, not a bug of the caller.
            raise _map_error(exc, method, url, timeout) from exc

    def _read_capped(self, resp: Any, method: str, url: str) -> bytes:
        limit = self._max_response_size
        length = resp.headers.get("content-length")
        if length is not None and length.isdigit():
            if int(length) > limit:
                raise ResponseTooLargeError(
                    f"response body of {length} bytes exceeds max_response_size={limit}",
                    method=method,
                    url=url,
                    status_code=resp.status,
                )
            data: bytes = resp.read()
            return data
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.stream(65536):
            size += len(chunk)
            if size > limit:
                raise ResponseTooLargeError(
                    f"response body exceeds max_response_size={limit}",
                    method=method,
                    url=url,
                    status_code=resp.status,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def abandon(self) -> None:
        """Close without ceremony, for a client garbage-collected while open."""
        self.close()

    def close(self) -> None:
        """Close every pooled connection (idempotent)."""
        self._pools.clear()
        self._manager.clear()


def _map_error(exc: BaseException, method: str, url: str, timeout: float) -> Exception:
    if isinstance(exc, ResponseTooLargeError):
        return exc
    if isinstance(exc, EmptyPoolError):
        return APITimeoutError(
            f"no free pooled connection within {timeout:g} s",
            method=method,
            url=url,
            request_sent=False,
        )
    # NewConnectionError subclasses ConnectTimeoutError in urllib3 2.x: test it first.
    if isinstance(exc, NewConnectionError):
        return APIConnectionError(
            f"cannot connect: {exc}", method=method, url=url, request_sent=False
        )
    if isinstance(exc, ConnectTimeoutError):
        return APITimeoutError(
            f"connect timed out after {timeout:g} s", method=method, url=url, request_sent=False
        )
    if isinstance(exc, (ReadTimeoutError, TimeoutError)):
        return APITimeoutError(f"request timed out after {timeout:g} s", method=method, url=url)
    return APIConnectionError(
        f"connection failed: {type(exc).__name__}: {exc}", method=method, url=url
    )


class RedisConnector:
    """A blocking ``redis`` client for one URL: shared rate limits and bulk ledgers.

    redis is imported, and the client (with its thread-safe connection pool) made, on
    first use. Every redis failure becomes a :class:`~codegen_async._redis.CoordinationError`
    naming the server without its credentials.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._client: Any = None
        self._scripts: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _open(self) -> Any:
        with self._lock:
            if self._client is None:
                import redis
                from redis.backoff import NoBackoff
                from redis.retry import Retry

                # No hidden retries: the callers decide how long an outage may last.
                self._client = redis.Redis.from_url(
                    self.url,
                    decode_responses=True,
                    socket_connect_timeout=2.0,
                    socket_timeout=5.0,
                    retry=Retry(NoBackoff(), 0),
                )
                self._scripts = {}
            return self._client

    def command(self, *args: Any) -> Any:
        """Run one Redis command (``"SET", key, value, "NX"``...) and return its answer."""
        try:
            return self._open().execute_command(*args)
        except Exception as exc:
            raise _redis_error(exc, self.url) from exc

    def script(self, source: str, keys: list[str], args: list[Any]) -> Any:
        """Run a Lua script atomically on the server (cached there by its digest)."""
        client = self._open()
        runner = self._scripts.get(source)
        if runner is None:
            runner = self._scripts[source] = client.register_script(source)
        try:
            return runner(keys=keys, args=args)
        except Exception as exc:
            raise _redis_error(exc, self.url) from exc

    def close(self) -> None:
        """Close the connections (idempotent)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


def _redis_error(exc: Exception, url: str) -> Exception:
    from codegen_async._redis import CoordinationError, describe_redis_error

    return CoordinationError(describe_redis_error(exc, url))
