"""What ``get_rate_limit_status()`` returns: typed, frozen, JSON-able (pure, shared)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

__all__ = ["GroupLimitStatus", "RateLimitStatus"]


class GroupLimitStatus(msgspec.Struct, frozen=True, kw_only=True):
    """The state of one limiter: an endpoint group's, or the overall cap's.

    Attributes:
        name: The group (``"standard"``, ``"create_run"``, ...) or ``"overall"``.
        limit: Requests allowed per ``window`` now (in adaptive mode: what was learned).
        window: The window, in seconds.
        remaining: Requests that may start now without waiting.
        reset_in: Seconds until the next slot frees (0.0 when one is free now).
        reset_time: When the next slot frees, as a UNIX timestamp.
        in_flight: Requests sent and not answered yet (they hold a slot).
        time_waiting: Seconds requests of this group spent waiting for a slot, in total.
        rate_limited: 429 answers received for this group.
        configured_limit: The limit from the configuration (the documented one by default).
        learned: Whether adaptive mode lowered the limit after a 429 at some point.
    """

    name: str
    limit: int
    window: float
    remaining: int
    reset_in: float
    reset_time: float
    in_flight: int
    time_waiting: float
    rate_limited: int
    configured_limit: int
    learned: bool = False

    def dict(self) -> dict[str, Any]:
        """Plain data (JSON-able)."""
        return msgspec.structs.asdict(self)


class RateLimitStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Rate-limit state of a client, per endpoint group and overall.

    The top-level ``limit``, ``remaining``, ``reset_in``, ``reset_time`` and ``window``
    describe the overall cap when ``rate_limit_requests`` is set, else the ``standard``
    group (the one most calls count in). ``time_waiting`` and ``rate_limited`` are totals.

    Attributes:
        strategy: ``"sliding_window"``, ``"leaky_bucket"`` or ``"none"``.
        adaptive: Whether limits are learned from 429 answers.
        groups: One :class:`GroupLimitStatus` per endpoint group.
        overall: The overall cap's status, or ``None`` when there is none.
    """

    strategy: str
    adaptive: bool
    limit: int
    window: float
    remaining: int
    reset_in: float
    reset_time: float
    time_waiting: float
    rate_limited: int
    groups: Mapping[str, GroupLimitStatus]
    overall: GroupLimitStatus | None = None

    @classmethod
    def summarize(
        cls,
        *,
        strategy: str,
        adaptive: bool,
        groups: Mapping[str, GroupLimitStatus],
        overall: GroupLimitStatus | None,
        time_waiting: float,
    ) -> RateLimitStatus:
        """The status whose top level describes ``overall`` if set, else ``standard``."""
        top = overall if overall is not None else groups["standard"]
        return cls(
            strategy=strategy,
            adaptive=adaptive,
            limit=top.limit,
            window=top.window,
            remaining=top.remaining,
            reset_in=top.reset_in,
            reset_time=top.reset_time,
            time_waiting=time_waiting,
            rate_limited=sum(g.rate_limited for g in groups.values()),
            groups=groups,
            overall=overall,
        )

    @property
    def learned_limits(self) -> dict[str, tuple[int, float]]:
        """``{group: (requests, window)}`` for every group adaptive mode has lowered."""
        return {name: (g.limit, g.window) for name, g in self.groups.items() if g.learned}

    def dict(self) -> dict[str, Any]:
        """Plain data (JSON-able), groups included."""
        data: dict[str, Any] = msgspec.to_builtins(self)
        return data
