"""The GET response cache: TTL + LRU with scan-resistant admission, with statistics
(pure, shared).

Keys are full URLs (which hold the organization and the query), built by the transport;
each client has a cache of its own and one token, so two tokens never share an entry. The
policy (what may be cached for how long, who must bypass it) lives with the callers;
this module only stores.

Bounds: at most ``max_size`` entries and ``max_bytes`` bytes of bodies (a body larger
than ``max_bytes`` is never stored); the least recently used entries go first.

Admission: while the cache has room, every answer is stored. Once it is full, an answer
is stored (evicting the least recently used entry) only if its URL was asked for before,
since the cache filled or was last cleared. So a scan through many URLs fetched once each
(a bulk job reading its runs) does not flush the entries that are read again and again,
and costs no more than a lookup; a URL read twice is cached from its second read.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import AbstractContextManager, nullcontext

import msgspec

__all__ = ["CacheStats", "ResponseCache"]


class CacheStats(msgspec.Struct, frozen=True):
    """A snapshot of the cache's counters.

    Attributes:
        hits: Lookups answered from the cache.
        misses: Lookups that were not (absent or expired).
        size: Entries held now (expired ones are dropped before counting).
        evictions: Entries dropped to stay within ``max_size``.
        max_size: The most entries the cache holds.
        bytes: Bytes of bodies held now.
        max_bytes: The most bytes of bodies the cache holds.
        declined: Answers not stored: the cache was full and their URL had not been
            asked for before (see the module's admission rule).
    """

    hits: int
    misses: int
    size: int
    evictions: int
    max_size: int
    declined: int = 0
    bytes: int = 0
    max_bytes: int = 0

    @property
    def hit_rate(self) -> float:
        """``hits / (hits + misses)``, 0.0 before any lookup."""
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
            "declined": self.declined,
            "bytes": self.bytes,
            "max_bytes": self.max_bytes,
            "hit_rate": self.hit_rate,
        }


class ResponseCache:
    """Raw response bodies by key, each with an expiry time or kept until evicted.

    ``generation`` changes on every invalidation: a caller reads it before sending a
    request and passes it to :meth:`set`, so an answer that was in flight while a write
    invalidated the cache is not stored (it may predate the write).

    ``thread_safe=False`` drops the lock from :meth:`lookup` and :meth:`set`, for a cache
    only ever touched from one thread (an async client's, on its event loop).
    """

    def __init__(
        self,
        ttl: float,
        max_size: int,
        *,
        max_bytes: int = 32 * 1024 * 1024,
        thread_safe: bool = True,
    ) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self.max_bytes = max_bytes
        self._bytes = 0  # of the bodies held
        # A body alone lives until evicted; (expiry, body) until its expiry. Most entries
        # are finished runs, kept for good: no tuple to allocate, keep and free for them.
        self._entries: OrderedDict[str, bytes | tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock() if thread_safe else None
        # The rarely used paths take the lock (if any) with `with`.
        self._guard: AbstractContextManager[object] = self._lock or nullcontext()
        # Keys asked for while the cache was full, which may be admitted now; at most
        # max_size of them, forgotten all at once when there are more.
        self._asked: set[str] = set()
        self._hits = 0
        self._misses = 0
        self._evictions = 0
        self._declined = 0
        self.generation = 0

    def lookup(self, key: str, now: float) -> bytes | bool:
        """The body stored under ``key`` if it has not expired, else whether an answer for
        ``key`` would be admitted now (False: do not bother calling :meth:`set`).

        Counts a hit or a miss; a miss in a full cache counts as the key's first ask.
        """
        lock = self._lock
        if lock is not None:
            lock.acquire()  # not `with`: half the cost, on the path of every GET
        try:
            entries = self._entries
            entry = entries.get(key)
            if entry is not None:
                if isinstance(entry, tuple):
                    expires, body = entry
                    if now >= expires:
                        del entries[key]
                        self._bytes -= len(body)
                        self._misses += 1
                        return True
                else:
                    body = entry
                entries.move_to_end(key)
                self._hits += 1
                return body
            self._misses += 1
            if len(entries) < self.max_size or key in self._asked:
                return True
            self._ask(key)
            return False
        finally:
            if lock is not None:
                lock.release()

    def _ask(self, key: str) -> None:
        """Note a first ask for ``key`` in a full cache (its answer is not stored)."""
        asked = self._asked
        if len(asked) >= self.max_size:
            asked.clear()
        asked.add(key)
        self._declined += 1

    def set(
        self,
        key: str,
        body: bytes,
        now: float,
        forever: bool = False,
        generation: int | None = None,
    ) -> bool:
        """Store ``body`` for ``ttl`` seconds (``forever``: until evicted).

        Returns False, storing nothing, if the cache was invalidated since ``generation``
        or does not admit ``key`` (full, and ``key`` not asked for before).
        """
        lock = self._lock
        if lock is not None:
            lock.acquire()  # not `with`: see lookup
        try:
            if generation is not None and generation != self.generation:
                return False
            size = len(body)
            if size > self.max_bytes:
                self._declined += 1
                return False
            entries = self._entries
            old = entries.get(key)
            if old is not None:
                self._bytes -= len(old[1]) if isinstance(old, tuple) else len(old)
                entries.move_to_end(key)  # a new key goes last already
            elif len(entries) >= self.max_size:
                if key not in self._asked:
                    self._ask(key)
                    return False
                self._asked.discard(key)
            entries[key] = body if forever else (now + self.ttl, body)
            self._bytes += size
            if len(entries) > self.max_size or self._bytes > self.max_bytes:
                self._evict()
            return True
        finally:
            if lock is not None:
                lock.release()

    def _evict(self) -> None:
        """Drop the least recently used entries until both bounds hold."""
        entries = self._entries
        while len(entries) > self.max_size or self._bytes > self.max_bytes:
            _, entry = entries.popitem(False)
            self._bytes -= len(entry[1]) if isinstance(entry, tuple) else len(entry)
            self._evictions += 1

    def invalidate(self, prefix: str) -> int:
        """Drop every entry whose key starts with ``prefix``; return how many."""
        with self._guard:
            self.generation += 1
            doomed = [k for k in self._entries if k.startswith(prefix)]
            for k in doomed:
                self._drop(k)
            return len(doomed)

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key)
        self._bytes -= len(entry[1]) if isinstance(entry, tuple) else len(entry)

    def clear(self) -> None:
        """Drop every entry and every noted ask (counters are kept)."""
        with self._guard:
            self.generation += 1
            self._entries.clear()
            self._asked.clear()
            self._bytes = 0

    def stats(self, now: float | None = None) -> CacheStats:
        """A snapshot of the counters; with ``now``, expired entries are dropped first."""
        with self._guard:
            if now is not None:
                expired = [
                    k for k, e in self._entries.items() if isinstance(e, tuple) and now >= e[0]
                ]
                for k in expired:
                    self._drop(k)
            return CacheStats(
                self._hits,
                self._misses,
                len(self._entries),
                self._evictions,
                self.max_size,
                self._declined,
                self._bytes,
                self.max_bytes,
            )
