"""``AsyncHealthMonitor``: periodic health checks with callbacks on transitions.

The checks run in the background (a task; a daemon thread in ``codegen_sync``) through
the seam's ``background_task``. Callbacks run in a second background worker, so a slow
callback never delays a check.
"""

from __future__ import annotations

import inspect
import logging
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from ._health_stats import HealthCheck, HealthStatistics
from ._http._backend import IS_ASYNC, AsyncEvent, background_task, resolve, wait_event
from .errors import CodegenError, ValidationError

if TYPE_CHECKING:
    from ._protocol import AsyncClientAPI

__all__ = ["AsyncHealthMonitor"]

logger = logging.getLogger("codegen")

C = TypeVar("C", bound=Callable[..., Any])


def _takes_health(callback: Callable[..., Any]) -> bool:
    """Whether ``callback`` takes the health dict (one argument) or nothing."""
    if not callable(callback):
        raise ValidationError(f"a callback must be callable, got {type(callback).__name__}")
    if not IS_ASYNC and inspect.iscoroutinefunction(callback):
        raise ValidationError("an async def callback needs the async client's monitor")
    try:
        signature = inspect.signature(callback)
    except (TypeError, ValueError):
        return True  # a builtin such as print: takes arguments
    try:
        signature.bind(None)
    except TypeError:
        pass
    else:
        return True
    try:
        signature.bind()
    except TypeError:
        raise ValidationError(
            "a health callback takes no argument or one (the health dict)"
        ) from None
    return False


class AsyncHealthMonitor:
    """Checks the API every ``interval`` seconds and reports changes of health.

    Create it with ``client.create_health_monitor(interval=30)``. Callbacks registered
    with :meth:`on_healthy` / :meth:`on_unhealthy` fire once at start (for the first
    check's result) and then on every change between usable (``"healthy"`` or
    ``"degraded"``) and ``"unhealthy"``. A callback takes no argument or one, the
    ``client.health_check()`` dict. A callback that raises is logged, never fatal.

    Example::

        monitor = client.create_health_monitor(interval=30)
        monitor.on_healthy(lambda: print("API is healthy"))
        monitor.on_unhealthy(lambda health: print("API is down:", health["reason"]))
        async with monitor:
            ...  # checks run in the background

    Args:
        client: The client whose ``health_check()`` is called.
        interval: Seconds between the end of one check and the start of the next.
        timeout: Seconds one check may take before it counts as unhealthy.
    """

    def __init__(
        self, client: AsyncClientAPI, interval: float = 30.0, *, timeout: float = 10.0
    ) -> None:
        for name, value in (("interval", interval), ("timeout", timeout)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValidationError(f"{name} must be a positive number, got {value!r}")
        self._client = client
        self.interval = float(interval)
        self.timeout = float(timeout)
        self._on_healthy: list[tuple[Callable[..., Any], bool]] = []
        self._on_unhealthy: list[tuple[Callable[..., Any], bool]] = []
        self._queue: deque[tuple[Callable[..., Any], bool, HealthCheck]] = deque()
        self._checker: background_task | None = None
        self._deliverer: background_task | None = None
        self._stopping = AsyncEvent()
        self._wake = AsyncEvent()
        self._usable: bool | None = None
        self._last: HealthCheck | None = None
        self._checks = self._healthy_checks = self._unhealthy_checks = 0
        self._consecutive_failures = self._transitions = self._callback_errors = 0

    # -- callbacks ---------------------------------------------------------------------------

    def on_healthy(self, callback: C) -> C:
        """Call ``callback`` when the API becomes usable (and at start if it is)."""
        self._on_healthy.append((callback, _takes_health(callback)))
        return callback

    def on_unhealthy(self, callback: C) -> C:
        """Call ``callback`` when the API becomes unusable (and at start if it is)."""
        self._on_unhealthy.append((callback, _takes_health(callback)))
        return callback

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the checks are running."""
        return self._checker is not None and self._checker.running

    def start(self) -> None:
        """Start checking in the background (returns at once)."""
        if self._checker is not None:
            raise CodegenError("this health monitor is already running")
        # Fresh events per run: a stopped monitor may be started again.
        self._stopping = AsyncEvent()
        self._wake = AsyncEvent()
        self._queue.clear()
        self._deliverer = background_task(self._deliver, "codegen-health-callbacks")
        self._checker = background_task(self._check_loop, "codegen-health-checks")

    async def stop(self) -> None:
        """Stop checking; return once the background work has ended. Idempotent.

        Callbacks still queued are dropped.
        """
        checker, deliverer = self._checker, self._deliverer
        self._checker = self._deliverer = None
        self._stopping.set()
        self._wake.set()
        if checker is not None:
            await checker.stop()
        if deliverer is not None:
            await deliverer.stop()

    async def __aenter__(self) -> AsyncHealthMonitor:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- state -------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        """``"unknown"`` before the first check, then the last check's status."""
        return "unknown" if self._last is None else str(self._last.get("status"))

    @property
    def is_healthy(self) -> bool | None:
        """Whether the API was usable at the last check (``None`` before the first)."""
        return self._usable

    def statistics(self) -> HealthStatistics:
        """A snapshot of what the monitor has seen."""
        last = self._last
        return HealthStatistics(
            status=self.status,
            running=self.running,
            checks=self._checks,
            healthy_checks=self._healthy_checks,
            unhealthy_checks=self._unhealthy_checks,
            consecutive_failures=self._consecutive_failures,
            transitions=self._transitions,
            callback_errors=self._callback_errors,
            last_latency_ms=None if last is None else last["latency_ms"],
            last_reason=None if last is None else last["reason"],
            last_check=None if last is None else last.copy(),
        )

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<{type(self).__name__} {state} status={self.status} interval={self.interval:g}>"

    # -- background work ---------------------------------------------------------------------

    async def _check_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                health = await self._client.health_check(timeout=self.timeout)
            except Exception as exc:  # health_check never raises; a bug must not end the checks
                logger.exception("health check raised")
                health = {
                    "status": "unhealthy",
                    "healthy": False,
                    "latency_ms": 0.0,
                    "reason": f"{type(exc).__name__}: {exc}",
                }
            self._observe(health)
            if await wait_event(self._stopping, self.interval):
                return

    def _observe(self, health: HealthCheck) -> None:
        usable = bool(health.get("healthy"))
        self._checks += 1
        self._last = health
        if usable:
            self._healthy_checks += 1
            self._consecutive_failures = 0
        else:
            self._unhealthy_checks += 1
            self._consecutive_failures += 1
        if usable == self._usable:
            return
        self._usable = usable
        self._transitions += 1
        for callback, takes in list(self._on_healthy if usable else self._on_unhealthy):
            self._queue.append((callback, takes, health))
        self._wake.set()

    async def _deliver(self) -> None:
        while True:
            await wait_event(self._wake, None)
            self._wake.clear()
            while self._queue and not self._stopping.is_set():
                callback, takes, health = self._queue.popleft()
                try:
                    await resolve(callback(health) if takes else callback())
                except Exception:
                    self._callback_errors += 1
                    logger.exception("health monitor callback %r raised", callback)
            if self._stopping.is_set():
                return
