"""The GET response cache: TTL + LRU, thread-safe, with statistics (pure, shared)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["CacheStats", "ResponseCache"]


@dataclass(frozen=True)
class CacheStats:
    """A snapshot of the cache's counters."""

    hits: int
    misses: int
    size: int
    evictions: int
    max_size: int

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0

    def dict(self) -> dict[str, float | int]:
        """Plain data, ``hit_rate`` included."""
        return {
            "hits": self.hits,
            "misses": self.misses,
            "size": self.size,
            "evictions": self.evictions,
            "max_size": self.max_size,
            "hit_rate": self.hit_rate,
        }


class ResponseCache:
    """Raw response bodies by key, each with an expiry time (``None``: until evicted)."""

    def __init__(self, ttl: float, max_size: int) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._entries: OrderedDict[str, tuple[float | None, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        self._evictions = 0

    def get(self, key: str, now: float) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self._misses += 1
                return None
            expires, body = entry
            if expires is not None and now >= expires:
                del self._entries[key]
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return body

    def set(self, key: str, body: bytes, now: float, *, forever: bool = False) -> None:
        with self._lock:
            self._entries[key] = (None if forever else now + self.ttl, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)
                self._evictions += 1

    def invalidate(self, prefix: str) -> int:
        """Drop every entry whose key starts with ``prefix``; return how many."""
        with self._lock:
            doomed = [k for k in self._entries if k.startswith(prefix)]
            for k in doomed:
                del self._entries[k]
            return len(doomed)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                self._hits, self._misses, len(self._entries), self._evictions, self.max_size
            )
