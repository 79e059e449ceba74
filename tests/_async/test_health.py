"""AsyncHealthMonitor: checks in the background, callbacks on transitions, clean stop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from codegen_async import AsyncCodegenClient, CodegenError, ValidationError
from codegen_async._http._backend import IS_ASYNC, AsyncEvent, wait_event
from codegen_async.emulator import Emulator, EmulatorConfig, serve_in_thread

from .conftest import config_for

WAIT = 5.0


def start_emulator(**config: Any) -> tuple[Any, Emulator]:
    """An emulator in its own thread, stoppable from inside a running event loop."""
    manager = serve_in_thread(EmulatorConfig(time_scale=0.01, rate_limits="off", **config))
    return manager, manager.__enter__()


def stop_emulator(manager: Any) -> None:
    # serve_in_thread cleans up with its own loop, which cannot run in a thread that is
    # running one (async tests): leave the block from a helper thread.
    helper = threading.Thread(target=manager.__exit__, args=(None, None, None))
    helper.start()
    helper.join(30)


def leftovers() -> list[str]:
    """Monitor threads (sync) or tasks (async) still alive."""
    names = [t.name for t in threading.enumerate() if t.name.startswith("codegen-health")]
    if IS_ASYNC:
        tasks = asyncio.all_tasks()
        names += [t.get_name() for t in tasks if t.get_name().startswith("codegen-health")]
    return names


class Recorder:
    """Callbacks that note what fired and signal an event per kind."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.healthy = AsyncEvent()
        self.unhealthy = AsyncEvent()

    def on_up(self) -> None:
        self.seen.append("up")
        self.healthy.set()

    def on_down(self, health: dict[str, Any]) -> None:
        self.seen.append(f"down: {health['status']}")
        self.unhealthy.set()


async def test_fires_once_at_start(client: AsyncCodegenClient) -> None:
    """The first check fires the healthy callbacks once; later healthy checks do not."""
    rec = Recorder()
    monitor = client.create_health_monitor(interval=0.02)
    monitor.on_healthy(rec.on_up)
    monitor.on_unhealthy(rec.on_down)
    async with monitor:
        assert await wait_event(rec.healthy, WAIT)
        for _ in range(200):
            if monitor.statistics().checks >= 3:
                break
            await wait_event(AsyncEvent(), 0.02)
    stats = monitor.statistics()
    assert ["up"] == rec.seen
    assert "healthy" == monitor.status
    assert stats.checks >= 3
    assert (1, 0) == (stats.transitions, stats.unhealthy_checks)


async def test_down_and_up_again() -> None:
    """Stopping the API fires on_unhealthy; bringing it back on the same port fires on_healthy."""
    rec = Recorder()
    manager, first = start_emulator()
    client = AsyncCodegenClient(config_for(first, max_retries=0))
    monitor = client.create_health_monitor(interval=0.02, timeout=1.0)
    monitor.on_healthy(rec.on_up)
    monitor.on_unhealthy(rec.on_down)
    monitor.start()
    try:
        assert await wait_event(rec.healthy, WAIT)
        stop_emulator(manager)
        assert await wait_event(rec.unhealthy, WAIT)
        assert monitor.is_healthy is False
        rec.healthy.clear()
        manager, _ = start_emulator(port=first.port)
        assert await wait_event(rec.healthy, WAIT)
    finally:
        await monitor.stop()
        await client.aclose()
        stop_emulator(manager)
    assert ["up", "down: unhealthy", "up"] == rec.seen
    assert 3 == monitor.statistics().transitions
    assert [] == leftovers()


async def test_stop_leaves_nothing(client: AsyncCodegenClient) -> None:
    """After stop() no monitor thread or task is left, and it may be started again."""
    monitor = client.create_health_monitor(interval=0.02)
    monitor.start()
    assert monitor.running
    await monitor.stop()
    assert [] == leftovers()
    assert not monitor.running
    await monitor.stop()  # idempotent
    monitor.start()
    await monitor.stop()
    assert [] == leftovers()


async def test_raising_callback_is_not_fatal(client: AsyncCodegenClient) -> None:
    """A callback that raises is logged and counted; the others still run."""
    rec = Recorder()
    monitor = client.create_health_monitor(interval=0.02)

    def broken() -> None:
        raise RuntimeError("callback bug")

    monitor.on_healthy(broken)
    monitor.on_healthy(rec.on_up)
    async with monitor:
        assert await wait_event(rec.healthy, WAIT)
    assert 1 == monitor.statistics().callback_errors
    assert ["up"] == rec.seen


async def test_slow_callback_does_not_delay_checks(client: AsyncCodegenClient) -> None:
    """Checks go on while a callback is still running."""
    release = AsyncEvent()
    monitor = client.create_health_monitor(interval=0.02)

    async def slow() -> None:
        await wait_event(release, WAIT)

    monitor.on_healthy(slow)
    async with monitor:
        for _ in range(200):
            if monitor.statistics().checks >= 4:
                break
            await wait_event(AsyncEvent(), 0.02)
        checks = monitor.statistics().checks
        release.set()
    assert checks >= 4


async def test_closed_port_is_unhealthy() -> None:
    """A client pointed at a closed port reports unhealthy with the reason."""
    rec = Recorder()
    manager, emulator = start_emulator()
    config = config_for(emulator, max_retries=0)
    stop_emulator(manager)
    async with AsyncCodegenClient(config) as client:
        monitor = client.create_health_monitor(interval=0.05, timeout=1.0)
        monitor.on_unhealthy(rec.on_down)
        async with monitor:
            assert await wait_event(rec.unhealthy, WAIT)
    stats = monitor.statistics()
    assert "unhealthy" == stats.status
    assert stats.last_reason is not None and "/v1/users/me" in stats.last_reason


def test_bad_arguments() -> None:
    """A bad interval or callback is refused at once."""
    client = AsyncCodegenClient(api_token="sk-x", base_url="http://127.0.0.1:9")
    with pytest.raises(ValidationError, match="interval"):
        client.create_health_monitor(interval=0)
    monitor = client.create_health_monitor()
    with pytest.raises(ValidationError, match="no argument or one"):
        monitor.on_healthy(lambda a, b: None)
    assert "unknown" == monitor.status


async def test_start_twice_refused(client: AsyncCodegenClient) -> None:
    """A running monitor cannot be started again."""
    monitor = client.create_health_monitor(interval=0.02)
    async with monitor:
        with pytest.raises(CodegenError, match="already running"):
            monitor.start()
