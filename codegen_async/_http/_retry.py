"""The retry delay schedule: the only module that uses the ``backoff`` package (pure, shared).

``backoff`` is archived upstream, so only its wait generators are used (exponential with
full jitter); the retry loop itself is a plain loop in the transport.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

__all__ = ["delays", "parse_retry_after"]


def delays(factor: float, max_delay: float) -> Iterator[float]:
    """Yield retry delays: ``factor * 2**n`` capped at ``max_delay``, with full jitter."""
    import backoff  # on the first retry only: it imports asyncio, which sync code avoids

    gen = backoff.expo(base=2, factor=factor, max_value=max_delay)
    next(gen)  # backoff's generators must be primed with None (they are send()-driven).
    for value in gen:
        yield backoff.full_jitter(value)


def parse_retry_after(value: str | None, cap: float = 3600.0) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        from datetime import datetime, timezone
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    if math.isnan(seconds) or seconds < 0:  # in the past
        return 0.0
    return min(seconds, cap)
