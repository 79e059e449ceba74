"""``HealthStatistics``: a snapshot of a health monitor (pure, shared)."""

from __future__ import annotations

from typing import Any

import msgspec

__all__ = ["HealthStatistics"]


class HealthStatistics(msgspec.Struct, frozen=True, kw_only=True):
    """What a health monitor has seen so far (``monitor.statistics()``).

    Attributes:
        status: ``"unknown"`` before the first check, then the last check's
            ``"healthy"``, ``"degraded"`` or ``"unhealthy"``.
        running: Whether the monitor is checking.
        checks: Checks made.
        healthy_checks / unhealthy_checks: Of those, how many found the API usable or not
            (``"degraded"`` counts as usable).
        consecutive_failures: Unhealthy checks in a row, up to now.
        transitions: Changes between usable and not (the first check counts as one).
        callback_errors: Callbacks that raised (each was logged).
        last_latency_ms / last_reason: From the last check.
        last_check: The last ``client.health_check()`` result, or ``None``.
    """

    status: str
    running: bool
    checks: int
    healthy_checks: int
    unhealthy_checks: int
    consecutive_failures: int
    transitions: int
    callback_errors: int
    last_latency_ms: float | None
    last_reason: str | None
    last_check: dict[str, Any] | None
