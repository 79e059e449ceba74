"""Configuration of our clients for the benchmarks: "limited", "on" or "off".

Every variant keeps the default retry policy and the metrics (always on).

* ``limited`` (what the throughput targets measure): the sliding-window rate limiter, with an
  overall cap plus every per-group limit, all set far above what the benchmark can reach
  so nothing ever waits; no cache.
* ``on``: ``limited`` plus the response cache, with a TTL so short that every request
  misses it (so the figure is the cache's bookkeeping cost, never a round trip saved).
* ``off``: no rate limiting, no cache: the reference for what the features cost.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from benchmarks.contenders._common import TOKEN, Timer
from benchmarks.payloads import ORG_ID

HIGH = 10**9


def make_config(config_cls: Any, base_url: str, variant: str, timer: Timer) -> Any:
    """Build ``config_cls`` for ``variant``; knobs the class lacks are noted, not fatal."""
    settings: dict[str, Any] = {
        "base_url": base_url,
        "api_token": TOKEN,
        "org_id": ORG_ID,
    }
    if variant in ("limited", "on"):
        try:
            from codegen_async.config import RATE_LIMIT_GROUPS
        except ImportError:
            groups: tuple[str, ...] = ()
        else:
            groups = tuple(RATE_LIMIT_GROUPS)
        settings.update(
            rate_limit_strategy="sliding_window",
            rate_limit_requests=HIGH,
            rate_limit_window=1.0,
            rate_limits={group: (HIGH, 1.0) for group in groups},
        )
        if variant == "on":
            settings.update(enable_caching=True, cache_ttl=1e-6)
    elif variant == "off":
        settings.update(rate_limit_strategy="none", enable_caching=False)
    else:
        raise ValueError(f"unknown variant {variant!r}")
    if dataclasses.is_dataclass(config_cls):
        known = {f.name for f in dataclasses.fields(config_cls)}
        for name in sorted(set(settings) - known):
            timer.note(f"config has no {name!r}; left out")
            del settings[name]
    return config_cls(**settings)
