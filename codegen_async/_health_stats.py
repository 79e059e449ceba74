"""``HealthStatistics``: a snapshot of a health monitor (pure, shared)."""

from __future__ import annotations

from typing import Literal, TypedDict

import msgspec

__all__ = ["HealthCheck", "HealthStatistics"]


class HealthCheck(TypedDict):
    """What ``client.health_check()`` returns (a plain dict, JSON-able as it is).

    Attributes:
        status: ``"healthy"``, ``"degraded"`` (rate limited or slow: the API works) or
            ``"unhealthy"`` (an error or no answer).
        healthy: Whether the API is usable (``"degraded"`` counts as usable).
        latency_ms: How long the check took.
        reason: Why it is not ``"healthy"``, else ``None``.
    """

    status: Literal["healthy", "degraded", "unhealthy"]
    healthy: bool
    latency_ms: float
    reason: str | None


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
    last_check: HealthCheck | None
