"""The sync seam: the twin of ``codegen_async/_backend.py`` (hand-written, not generated).

It offers the same names without ``Async``: urllib3 for HTTP, ``time.sleep``, threading
locks and events, a thread-safe leaky bucket, a thread pool for bounded concurrency and
a thread for background loops. It never imports aiohttp or asyncio.
"""

from __future__ import annotations

import http.client
import inspect
import math
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import connection_from_url
from urllib3.exceptions import (
    ConnectTimeoutError,
    EmptyPoolError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProxyError,
    ReadTimeoutError,
)

from codegen_async._http._errormap import redact
from codegen_async._http._network import Network, Proxy
from codegen_async._http._response import RawResponse
from codegen_async.errors import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    ResponseTooLargeError,
)

if TYPE_CHECKING:
    #: What a caller may give the client as its own pool (``pool_manager=``).
    HTTPSession = urllib3.PoolManager

__all__ = [
    "IS_ASYNC",
    "Call",
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
P = ParamSpec("P")
Job = Callable[[], T]
"""A unit of work for :func:`gather_bounded`: a zero-argument function."""
Call = Callable[P, T]
"""A method, as the raw-response wrapper takes it."""


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

    def acquire(self, max_wait: float = math.inf) -> bool:
        """Take a unit, waiting at most ``max_wait`` seconds; False if none came in time."""
        give_up = time.monotonic() + max_wait
        while True:
            with self._lock:
                self._leak()
                if self._level + 1 <= self.max_rate:
                    self._level += 1
                    return True
                wait = (self._level + 1 - self.max_rate) / self._rate_per_sec
            if time.monotonic() + wait > give_up:
                return False
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


class _Due(threading.local):
    """The deadline of the request this thread is sending (``None``: no request yet)."""

    at: float | None = None


_due = _Due()


def _arm(sock: socket.socket) -> None:
    """Before a blocking socket call: fail past the deadline, else wait at most until it.

    urllib3's timeouts bound each socket operation, not the exchange: a server trickling
    a byte a second would keep a call going for ever. Lowering the socket's timeout to
    what is left of the attempt before every read and write makes it one deadline.
    """
    due = _due.at
    if due is None:
        return
    left = due - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    current = sock.gettimeout()
    # Set only when off by more than a little (settimeout is a system call): urllib3 set
    # it to about `left` already, or it is a stale value of the socket's last request.
    if current is None or current > left + 0.05 or current < left * 0.5:
        sock.settimeout(left)


class _DeadlineSocket(socket.socket):
    """A plain socket that keeps the request deadline (see :func:`_arm`)."""

    __slots__ = ()

    def recv_into(self, *args: Any) -> int:
        _arm(self)
        return super().recv_into(*args)

    def recv(self, *args: Any) -> bytes:
        _arm(self)
        return super().recv(*args)

    def sendall(self, *args: Any) -> None:
        _arm(self)
        super().sendall(*args)


class _DeadlineSSLSocket(ssl.SSLSocket):
    """A TLS socket that keeps the request deadline (see :func:`_arm`)."""

    def recv_into(self, *args: Any) -> int:
        _arm(self)
        return super().recv_into(*args)

    def recv(self, *args: Any) -> bytes:
        _arm(self)
        return super().recv(*args)

    def sendall(self, *args: Any) -> None:
        _arm(self)
        super().sendall(*args)


class _Response(http.client.HTTPResponse):
    """http.client's response, skipping every interim 1xx answer (103 Early Hints...).

    http.client skips ``100 Continue`` only: any other 1xx would be taken for the answer,
    and the real answer left in the socket for the next request to read.
    """

    def _read_status(self) -> tuple[str, int, str]:
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if not 102 <= status < 200:  # 100 is http.client's to skip; 101 is final
                return version, status, reason
            http.client.parse_headers(self.fp)


def _deadline_connect(conn: HTTPConnection, connect: Callable[[], None]) -> None:
    due = _due.at
    if due is not None:
        left = due - time.monotonic()
        if left <= 0:
            raise ConnectTimeoutError(conn, "connect timed out (deadline passed)")
        if conn.timeout is None or left < conn.timeout:
            conn.timeout = left
    connect()
    sock = conn.sock
    if type(sock) is socket.socket:
        sock.__class__ = _DeadlineSocket
    elif type(sock) is ssl.SSLSocket:
        sock.__class__ = _DeadlineSSLSocket


def _deadline_socket(sock: socket.socket) -> socket.socket:
    """A new connection's socket keeps the deadline from the start: through a proxy the
    ``CONNECT`` exchange happens inside ``connect()``, before the TLS handshake."""
    if type(sock) is socket.socket:
        sock.__class__ = _DeadlineSocket
    return sock


class _Connection(HTTPConnection):
    response_class = _Response

    def _new_conn(self) -> socket.socket:
        return _deadline_socket(super()._new_conn())

    def connect(self) -> None:
        _deadline_connect(self, super().connect)


class _TLSConnection(HTTPSConnection):
    response_class = _Response

    def _new_conn(self) -> socket.socket:
        return _deadline_socket(super()._new_conn())

    def connect(self) -> None:
        _deadline_connect(self, super().connect)


class HTTPBackend:
    """A pooled HTTP/1.1 client over urllib3, safe to share between threads.

    One deadline covers each request whole (pool wait, connect, proxy tunnel, send,
    headers, body). A redirect hop to another origin gets a one-off pool, closed after
    the answer: a client never keeps a pool or a socket per redirect host. A manager given
    as ``pool_manager`` (a ``PoolManager`` or ``ProxyManager``) is used as it is, with its
    TLS and proxy, and never cleared here.
    """

    def __init__(
        self,
        *,
        headers: Mapping[str, str] | None = None,
        max_connections: int = 100,
        network: Network | None = None,
        max_response_size: int = 64 * 1024 * 1024,
        pool_manager: urllib3.PoolManager | None = None,
    ) -> None:
        network = network or Network()
        self._network = network
        self._secrets = network.secrets
        self._default_headers = dict(headers or {})
        self._anonymous_headers = {
            k: v for k, v in self._default_headers.items() if k != "Authorization"
        }
        self._anonymous_headers["Connection"] = "close"
        self._max_response_size = max_response_size
        context = network.ssl_context
        if context is not None:
            # cert_reqs as the context has it: urllib3 would otherwise set it on the context.
            self._tls: dict[str, Any] = {
                "ssl_context": context,
                "cert_reqs": ssl.VerifyMode(context.verify_mode).name,
            }
        else:
            self._tls = {"cert_reqs": "CERT_REQUIRED" if network.verify else "CERT_NONE"}
        self._given = pool_manager
        if pool_manager is not None:
            self._manager = pool_manager
        else:
            self._manager = _manager_for(
                network.api_proxy,
                self._tls,
                num_pools=8,
                maxsize=max_connections,
                block=True,  # at most max_connections: further threads wait for a free one
            )
        self._pools: dict[str, Any] = {}
        self._timeouts: dict[float, urllib3.Timeout] = {}
        # An http:// origin through a forwarding proxy: its credentials go with each request.
        self._forward_headers: dict[str, str] | None = None
        if isinstance(self._manager, urllib3.ProxyManager):
            self._forward_headers = {**self._default_headers, **self._manager.proxy_headers}

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

    def _pool_for(self, url: str, anonymous: bool) -> tuple[Any, str, Mapping[str, str]]:
        """The pool for ``url``, the request target to send it, and the headers to send.

        Through a forwarding proxy (an ``http://`` URL) the target is the whole URL.
        """
        scheme, _, rest = url.partition("://")
        host, slash, path = rest.partition("/")
        origin = f"{scheme}://{host}"
        if anonymous:
            return self._hop(url, origin, scheme, slash + path)
        pool = self._pools.get(origin)
        if pool is None or pool.pool is None:  # none yet, or a given manager closed it
            if len(self._pools) >= 4:  # a few API origins at most (same-origin redirects)
                self._pools.clear()
            pool = self._pools[origin] = _deadline_pool(self._manager.connection_from_url(origin))
        if self._forward_headers is not None and _forwards(self._manager, scheme):
            return pool, url, self._forward_headers
        return pool, slash + path, self._default_headers

    def _hop(self, url: str, origin: str, scheme: str, target: str) -> tuple[Any, str, Any]:
        """A redirect hop to another origin: a pool of its own, closed after it."""
        headers: Mapping[str, str] = self._anonymous_headers
        if self._given is not None:  # the caller's manager decides its proxy and TLS
            manager = self._given
            pool = _deadline_pool(manager.connection_from_url(origin))
        else:
            proxy = self._network.proxies.for_url(url)
            if proxy is None:
                tls = self._tls if scheme == "https" else {}
                hop = connection_from_url(origin, maxsize=1, retries=False, **tls)
                return _deadline_pool(hop), target, headers
            manager = _manager_for(proxy, self._tls, num_pools=1, maxsize=1)
            pool = _deadline_pool(manager.connection_from_url(origin))
        if _forwards(manager, scheme) and isinstance(manager, urllib3.ProxyManager):
            return pool, url, {**headers, **manager.proxy_headers}
        return pool, target, headers

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
        ``anonymous`` leaves out the default ``Authorization`` header. ``timeout`` bounds
        the whole exchange, from the wait for a pooled connection to the body's last byte.
        """
        _due.at = due = time.monotonic() + timeout
        try:
            pool, target, defaults = self._pool_for(url, anonymous)
            headers = defaults if anonymous or headers is None else {**defaults, **headers}
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
            except BaseException:
                resp.close()  # the rest of the body stays unread: never reuse the socket
                raise
            finally:
                resp.release_conn()
                if anonymous and self._given is None:  # the hop's own pool: never kept
                    pool.close()
            # The library's own header mapping, not a copy: most answers are never asked.
            return RawResponse(resp.status, resp.headers, data)
        except ResponseTooLargeError:
            raise
        except MaxRetryError as exc:
            error = _past(_map_error(exc.reason or exc, method, url, timeout), due, timeout)
            raise self._masked(error, exc) from exc
        except (HTTPError, OSError, http.client.HTTPException, ValueError) as exc:
            # ValueError: http.client reading a connection the server closed under it ("I/O
            # operation on closed file"): a dropped connection, not a bug of the caller.
            error = _past(_map_error(exc, method, url, timeout), due, timeout)
            raise self._masked(error, exc) from exc
        finally:
            _due.at = None

    def _read_capped(self, resp: Any, method: str, url: str) -> bytes:
        """The body, decoded; its *decoded* size is held to ``max_response_size``."""
        limit = self._max_response_size
        src = resp.headers
        length = src.get("content-length")
        if length is not None and length.isdigit() and "content-encoding" not in src:
            if int(length) > limit:
                raise _too_large(f"response body of {length} bytes", limit, method, url, resp)
            data: bytes = resp.read()
            return data
        chunks: list[bytes] = []
        size = 0
        # urllib3 inflates at most the amount asked for at a time: a small compressed body
        # swelling to gigabytes is stopped at the limit, never held whole. decode_content
        # is given: urllib3's chunked reader leaves a body undecoded when it is left out.
        for chunk in resp.stream(65536, decode_content=True):
            size += len(chunk)
            if size > limit:
                raise _too_large("response body", limit, method, url, resp)
            chunks.append(chunk)
        return b"".join(chunks)

    def _masked(self, error: Exception, cause: BaseException) -> Exception:
        """``error`` with a proxy's password masked in it and in its cause."""
        if self._secrets:
            error.__cause__ = cause
            for secret in self._secrets:
                redact(error, secret)
        return error

    def abandon(self) -> None:
        """Close without ceremony, for a client garbage-collected while open."""
        self.close()

    def close(self) -> None:
        """Close every pooled connection (idempotent); a given manager is left open.

        ``PoolManager.clear()`` only forgets its pools (urllib3 2 closes a pool when it is
        garbage-collected): a pool caught in a reference cycle, say through an exception's
        traceback, would keep its idle sockets until the next collection. Each is closed.
        """
        self._pools.clear()
        if self._given is None:
            pools = self._manager.pools
            held = [pools[key] for key in pools.keys()]  # noqa: SIM118 - it cannot iterate
            self._manager.clear()
            for pool in held:
                pool.close()


def _manager_for(proxy: Proxy | None, tls: dict[str, Any], **pool_kw: Any) -> Any:
    """A pool manager, through ``proxy`` (``CONNECT`` for https://, forwarding for http://)."""
    if proxy is None:
        return urllib3.PoolManager(retries=False, **pool_kw, **tls)
    return urllib3.ProxyManager(
        proxy.url,
        proxy_headers=proxy.headers or None,
        proxy_ssl_context=tls.get("ssl_context"),
        retries=False,
        **pool_kw,
        **tls,
    )


def _forwards(manager: Any, scheme: str) -> bool:
    """Whether ``manager`` sends ``scheme`` requests to its proxy whole (no tunnel)."""
    if not isinstance(manager, urllib3.ProxyManager):
        return False
    config = manager.proxy_config
    return scheme == "http" or (config is not None and config.use_forwarding_for_https)


def _deadline_pool(pool: Any) -> Any:
    """``pool``, making connections that keep the request deadline."""
    if pool.ConnectionCls is HTTPConnection or pool.ConnectionCls is HTTPSConnection:
        pool.ConnectionCls = _TLSConnection if pool.scheme == "https" else _Connection
    return pool


def _too_large(what: str, limit: int, method: str, url: str, resp: Any) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{what} exceeds max_response_size={limit}",
        method=method,
        url=url,
        status_code=resp.status,
    )


def _past(error: Exception, due: float, timeout: float) -> Exception:
    """``error``, as a timeout if the request's deadline has passed meanwhile."""
    if (
        isinstance(error, APIConnectionError)
        and not isinstance(error, APITimeoutError)
        and time.monotonic() >= due
    ):
        return APITimeoutError(
            f"request timed out after {timeout:g} s",
            method=error.method,
            url=error.url,
            request_sent=error.request_sent,
        )
    return error


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
    if isinstance(exc, ProxyError):
        return APIConnectionError(
            f"cannot connect through the proxy: {exc.original_error or exc}",
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
    first use. Every redis failure becomes a
    :class:`~codegen_async._ratelimit._redis.CoordinationError`
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
    from codegen_async._ratelimit._redis import CoordinationError, describe_redis_error

    return CoordinationError(describe_redis_error(exc, url))
