"""What every handler of one emulator instance shares."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, NamedTuple

from ._accounting import Accounting
from ._clock import Clock
from ._config import EmulatorConfig
from ._faults import FaultInjector
from ._ratelimit import RateLimiter
from ._seed import build_world
from ._state import World

__all__ = ["Context", "Reply"]


class Reply(NamedTuple):
    """A handler's answer: status, JSON body, and the run it created, if any."""

    status: int
    body: bytes
    run_id: int | None = None


class Context:
    """The clock, world, limiter, fault injector and accounting of one emulator."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.clock = Clock(config.time_scale)
        self.world = World(
            self.clock,
            seed=config.seed,
            run_duration=config.run_duration,
            outcome_weights=config.outcome_weights,
            iso_timestamps=config.created_at_format == "iso",
        )
        build_world(config, self.world)
        self.limiter = RateLimiter(self.clock, config.rate_limit_scale)
        self.faults = (
            FaultInjector(config.faults, config.seed)
            if config.faults is not None and config.faults.active
            else None
        )
        self.accounting = Accounting()
        self.late: set[asyncio.Task[None]] = set()  # requests a "late" fault acts on later

    def act_later(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background; cancelled when the emulator stops."""
        task = asyncio.ensure_future(work)
        self.late.add(task)
        task.add_done_callback(self.late.discard)

    async def stop_late(self) -> None:
        """Cancel the work still waiting to act late (the emulator is stopping)."""
        tasks, self.late = list(self.late), set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
