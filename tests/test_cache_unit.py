"""Unit tests of the TTL + LRU response cache (explicit clock)."""

from __future__ import annotations

from codegen_async._cache import CacheStats, ResponseCache


class TestResponseCache:
    def test_hit_and_miss(self) -> None:
        """A stored body is returned; an absent key is a miss."""
        cache = ResponseCache(ttl=10.0, max_size=10)
        cache.set("a", b"1", 0.0)
        assert b"1" == cache.get("a", 1.0)
        assert None is cache.get("b", 1.0)
        assert (1, 1) == (cache.stats().hits, cache.stats().misses)

    def test_ttl(self) -> None:
        """An entry expires ``ttl`` seconds after it was stored; ``forever`` ones do not."""
        cache = ResponseCache(ttl=10.0, max_size=10)
        cache.set("a", b"1", 0.0)
        cache.set("b", b"2", 0.0, forever=True)
        assert b"1" == cache.get("a", 9.99)
        assert None is cache.get("a", 10.0)
        assert b"2" == cache.get("b", 1e9)

    def test_lru_eviction(self) -> None:
        """Past ``max_size`` the least recently used entry goes, and is counted."""
        cache = ResponseCache(ttl=10.0, max_size=2)
        cache.set("a", b"1", 0.0)
        cache.set("b", b"2", 0.0)
        cache.get("a", 0.0)  # b is now the least recently used
        cache.set("c", b"3", 0.0)
        assert None is cache.get("b", 0.0)
        assert b"1" == cache.get("a", 0.0)
        stats = cache.stats()
        assert (2, 1) == (stats.size, stats.evictions)

    def test_invalidate_prefix(self) -> None:
        """Invalidation drops every key under a prefix, and only those."""
        cache = ResponseCache(ttl=10.0, max_size=10)
        for key in ("t /org/1/run/5", "t /org/1/runs?skip=0", "t /org/2/run/5"):
            cache.set(key, b"x", 0.0)
        assert 2 == cache.invalidate("t /org/1/run")
        assert b"x" == cache.get("t /org/2/run/5", 0.0)

    def test_stale_store_refused_after_invalidation(self) -> None:
        """An answer fetched before an invalidation is not stored after it."""
        cache = ResponseCache(ttl=10.0, max_size=10)
        generation = cache.generation
        cache.invalidate("t /org/1/runs")
        assert not cache.set("t /org/1/runs", b"old", 0.0, generation=generation)
        assert None is cache.get("t /org/1/runs", 0.0)
        assert cache.set("t /org/1/runs", b"new", 0.0, generation=cache.generation)

    def test_stats_drop_expired(self) -> None:
        """``stats(now)`` does not count expired entries in ``size``."""
        cache = ResponseCache(ttl=1.0, max_size=10)
        cache.set("a", b"1", 0.0)
        cache.set("b", b"2", 0.0, forever=True)
        assert 1 == cache.stats(5.0).size

    def test_clear_keeps_counters(self) -> None:
        """``clear()`` empties the cache; hits and misses keep counting."""
        cache = ResponseCache(ttl=10.0, max_size=10)
        cache.set("a", b"1", 0.0)
        cache.get("a", 0.0)
        cache.clear()
        assert CacheStats(1, 0, 0, 0, 10) == cache.stats()

    def test_stats_dict(self) -> None:
        """Stats are plain data with the hit rate."""
        expected = {
            "hits": 3,
            "misses": 1,
            "size": 2,
            "evictions": 0,
            "max_size": 5,
            "hit_rate": 0.75,
        }
        assert expected == CacheStats(3, 1, 2, 0, 5).dict()
        assert 0.0 == CacheStats(0, 0, 0, 0, 5).hit_rate
