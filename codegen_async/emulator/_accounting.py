"""What the emulator received and did, per endpoint and per token.

Handlers run on the emulator's loop; tests may read from another thread (``serve_in_thread``),
so updates and snapshots share one lock (uncontended, it costs tens of nanoseconds).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from typing import Any

__all__ = ["Accounting", "CreateRecord"]


@dataclasses.dataclass(frozen=True)
class CreateRecord:
    """One request to an endpoint that creates runs, and what came of it.

    ``created`` says whether a run exists because of this request, whatever the client saw:
    with ``fault="drop_after"`` the run was created but the client got no answer.
    """

    seq: int
    endpoint: str
    token: str
    status: int | None
    created: bool
    run_id: int | None
    fault: str | None
    prompt: str | None

    def as_dict(self) -> dict[str, Any]:
        """A plain-dict copy."""
        return dataclasses.asdict(self)


class Accounting:
    """Counters of requests, statuses, 429s, runs created and faults injected.

    Counter keys: ``requests``, ``status_<code>``, ``rate_limited``, ``runs_created``,
    ``fault_<kind>``, ``faults``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = 0
        self.by_endpoint: dict[str, Counter[str]] = {}
        self.by_token: dict[str, Counter[str]] = {}
        self.creates: list[CreateRecord] = []

    def next_seq(self) -> int:
        """A sequence number for a request, in arrival order."""
        with self._lock:
            self._seq += 1
            return self._seq

    def count(self, endpoint: str, token: str, key: str, n: int = 1) -> None:
        """Add ``n`` to counter ``key`` of an endpoint and of a token."""
        with self._lock:
            ep = self.by_endpoint.get(endpoint)
            if ep is None:
                ep = self.by_endpoint[endpoint] = Counter()
            ep[key] += n
            tk = self.by_token.get(token)
            if tk is None:
                tk = self.by_token[token] = Counter()
            tk[key] += n

    def record_create(self, record: CreateRecord) -> None:
        """Keep the outcome of a create request."""
        with self._lock:
            self.creates.append(record)

    def total(self, key: str, endpoint: str | None = None, token: str | None = None) -> int:
        """Counter ``key`` summed over all endpoints, or for one endpoint or token."""
        with self._lock:
            if endpoint is not None:
                return self.by_endpoint.get(endpoint, Counter())[key]
            if token is not None:
                return self.by_token.get(token, Counter())[key]
            return sum(c[key] for c in self.by_endpoint.values())

    def reset(self) -> None:
        """Start counting again from zero."""
        with self._lock:
            self.by_endpoint.clear()
            self.by_token.clear()
            self.creates.clear()

    def snapshot(self) -> dict[str, Any]:
        """Plain-dict copy: ``{"endpoints": {...}, "tokens": {...}, "creates": [...],
        "totals": {...}}``."""
        with self._lock:
            endpoints = {k: dict(v) for k, v in self.by_endpoint.items()}
            tokens = {k: dict(v) for k, v in self.by_token.items()}
            creates = [r.as_dict() for r in self.creates]
        totals: Counter[str] = Counter()
        for counters in endpoints.values():
            totals.update(counters)
        return {
            "endpoints": endpoints,
            "tokens": tokens,
            "creates": creates,
            "totals": dict(totals),
        }
