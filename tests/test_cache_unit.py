"""Unit tests of the TTL + LRU response cache and its admission rule (explicit clock)."""

from __future__ import annotations

import pytest

from codegen_async import CodegenConfig, ConfigurationError
from codegen_async._http._cache import CacheStats, ResponseCache


def filled(max_size: int, *keys: str) -> ResponseCache:
    cache = ResponseCache(ttl=10.0, max_size=max_size)
    for key in keys:
        assert cache.set(key, key.encode(), 0.0)
    return cache


class TestResponseCache:
    def test_hit_and_miss(self) -> None:
        """A stored body is returned; an absent key is a miss that may be stored."""
        cache = filled(10, "a")
        assert b"a" == cache.lookup("a", 1.0)
        assert True is cache.lookup("b", 1.0)
        assert (1, 1) == (cache.stats().hits, cache.stats().misses)

    def test_ttl(self) -> None:
        """An entry expires ``ttl`` seconds after it was stored; ``forever`` ones do not."""
        cache = ResponseCache(ttl=10.0, max_size=10)
        cache.set("a", b"1", 0.0)
        cache.set("b", b"2", 0.0, forever=True)
        assert b"1" == cache.lookup("a", 9.99)
        assert True is cache.lookup("a", 10.0)
        assert b"2" == cache.lookup("b", 1e9)
        assert 1 == cache.stats().size

    def test_lru_eviction(self) -> None:
        """An admitted key in a full cache evicts the least recently used entry."""
        cache = filled(2, "a", "b")
        cache.lookup("a", 0.0)  # b is now the least recently used
        assert False is cache.lookup("c", 0.0)  # first ask in a full cache
        assert cache.set("c", b"c", 0.0)  # a second ask (here: the store) is admitted
        assert False is cache.lookup("b", 0.0)  # evicted
        assert b"a" == cache.lookup("a", 0.0)
        assert b"c" == cache.lookup("c", 0.0)
        stats = cache.stats()
        assert (2, 1) == (stats.size, stats.evictions)

    def test_a_scan_does_not_flush_a_full_cache(self) -> None:
        """Keys asked for once while the cache is full are noted, never stored: the
        entries in use stay, and the scan costs no eviction."""
        cache = filled(3, "a", "b", "c")
        for n in range(100):
            key = f"scan/{n}"
            assert False is cache.lookup(key, 0.0)
        assert [b"a", b"b", b"c"] == [cache.lookup(k, 0.0) for k in "abc"]
        stats = cache.stats()
        assert (3, 0, 100) == (stats.size, stats.evictions, stats.declined)

    def test_asked_twice_is_admitted(self) -> None:
        """A key looked up again after a declined first ask is stored on that second ask."""
        cache = filled(2, "a", "b")
        assert False is cache.lookup("c", 0.0)
        assert True is cache.lookup("c", 0.0)
        assert cache.set("c", b"c", 0.0)
        assert b"c" == cache.lookup("c", 0.0)
        assert 1 == cache.stats().declined

    def test_asks_are_bounded(self) -> None:
        """At most ``max_size`` asks are remembered; past that they are forgotten at once."""
        cache = filled(2, "a", "b")
        for key in ("x", "y", "z"):  # z's ask forgets x and y
            assert False is cache.lookup(key, 0.0)
        assert False is cache.lookup("x", 0.0)
        assert True is cache.lookup("z", 0.0)
        assert 2 >= len(cache._asked)

    def test_room_admits_without_an_ask(self) -> None:
        """While the cache has room every answer is stored, on its first ask."""
        cache = ResponseCache(ttl=10.0, max_size=2)
        assert True is cache.lookup("a", 0.0)
        assert cache.set("a", b"a", 0.0)
        assert cache.set("b", b"b", 0.0)  # no lookup at all (a cache=False read)
        assert 0 == cache.stats().declined

    def test_invalidate_prefix(self) -> None:
        """Invalidation drops every key under a prefix, and only those."""
        cache = filled(10, "/org/1/run/5", "/org/1/runs?skip=0", "/org/2/run/5")
        assert 2 == cache.invalidate("/org/1/run")
        assert b"/org/2/run/5" == cache.lookup("/org/2/run/5", 0.0)
        assert True is cache.lookup("/org/1/run/5", 0.0)

    def test_stale_store_refused_after_invalidation(self) -> None:
        """An answer fetched before an invalidation is not stored after it."""
        cache = ResponseCache(ttl=10.0, max_size=10)
        generation = cache.generation
        cache.invalidate("/org/1/runs")
        assert not cache.set("/org/1/runs", b"old", 0.0, generation=generation)
        assert True is cache.lookup("/org/1/runs", 0.0)
        assert cache.set("/org/1/runs", b"new", 0.0, generation=cache.generation)

    def test_stats_drop_expired(self) -> None:
        """``stats(now)`` does not count expired entries in ``size``."""
        cache = ResponseCache(ttl=1.0, max_size=10)
        cache.set("a", b"1", 0.0)
        cache.set("b", b"2", 0.0, forever=True)
        assert 1 == cache.stats(5.0).size

    def test_clear_keeps_counters(self) -> None:
        """``clear()`` empties the cache and forgets asks; the counters keep counting."""
        cache = filled(1, "a")
        cache.lookup("a", 0.0)
        assert False is cache.lookup("b", 0.0)
        cache.clear()
        assert CacheStats(1, 1, 0, 0, 1, 1, 0, 32 * 1024 * 1024) == cache.stats()
        assert 0 == len(cache._asked)

    def test_without_a_lock(self) -> None:
        """``thread_safe=False`` (an async client's cache) behaves the same."""
        cache = ResponseCache(ttl=10.0, max_size=1, thread_safe=False)
        assert cache.set("a", b"a", 0.0)
        assert b"a" == cache.lookup("a", 0.0)
        assert False is cache.lookup("b", 0.0)
        assert cache.set("b", b"b", 0.0)
        assert 1 == cache.invalidate("b")
        cache.clear()
        assert CacheStats(1, 1, 0, 1, 1, 1, 0, 32 * 1024 * 1024) == cache.stats()

    def test_stats_dict(self) -> None:
        """Stats are plain data with the hit rate."""
        expected = {
            "hits": 3,
            "misses": 1,
            "size": 2,
            "evictions": 0,
            "max_size": 5,
            "declined": 4,
            "bytes": 10,
            "max_bytes": 100,
            "hit_rate": 0.75,
        }
        assert expected == CacheStats(3, 1, 2, 0, 5, 4, 10, 100).dict()
        assert 0.0 == CacheStats(0, 0, 0, 0, 5).hit_rate


class TestByteBound:
    def test_bodies_held_never_exceed_max_bytes(self) -> None:
        """Stores past max_bytes evict the least recently used entries, whatever their count."""
        cache = ResponseCache(60.0, 1000, max_bytes=1000)
        for i in range(50):
            assert cache.set(f"k{i}", b"x" * 300, 0.0)
            assert cache.stats().bytes <= 1000
        stats = cache.stats()
        assert (3, 900) == (stats.size, stats.bytes)
        assert b"x" * 300 == cache.lookup("k49", 0.0)
        assert True is cache.lookup("k0", 0.0)

    def test_a_body_over_the_bound_is_not_stored(self) -> None:
        """A body larger than max_bytes is declined and evicts nothing."""
        cache = ResponseCache(60.0, 10, max_bytes=100)
        cache.set("small", b"s", 0.0, forever=True)
        assert False is cache.set("big", b"b" * 101, 0.0)
        assert (1, 1, 1) == (cache.stats().size, cache.stats().bytes, cache.stats().declined)

    def test_every_removal_gives_its_bytes_back(self) -> None:
        """Replacing, expiring, invalidating and clearing keep the byte count exact."""
        cache = ResponseCache(1.0, 10, max_bytes=1000)
        cache.set("/a/1", b"1234", 0.0)
        cache.set("/a/1", b"12", 0.0)  # replaced
        cache.set("/a/2", b"123", 0.0, forever=True)
        cache.set("/b/1", b"12345", 0.0)
        assert 10 == cache.stats().bytes
        assert True is cache.lookup("/a/1", 5.0)  # expired, dropped
        assert 8 == cache.stats().bytes
        cache.invalidate("/a/")
        assert 5 == cache.stats().bytes
        assert 0 == cache.stats(now=5.0).bytes  # expired ones dropped by stats(now)
        cache.set("/c", b"123", 0.0, forever=True)
        cache.clear()
        assert 0 == cache.stats().bytes


def test_threads_share_a_locked_cache() -> None:
    """The sync client's cache, hammered by threads: no error, every lookup counted once,
    never more than ``max_size`` entries, every admitted answer stored."""
    import threading

    cache = ResponseCache(ttl=10.0, max_size=8)
    lookups_per_thread, threads = 2000, 4
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        try:
            for n in range(lookups_per_thread):
                key = f"/run/{(n * 7 + seed) % 24}"
                if cache.lookup(key, 0.0) is True:
                    cache.set(key, key.encode(), 0.0, forever=True)
                assert len(cache._entries) <= 8
        except BaseException as exc:  # reported below, from the main thread
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    stats = cache.stats()
    assert [] == errors
    assert lookups_per_thread * threads == stats.hits + stats.misses
    assert stats.size <= 8
    assert all(cache.lookup(k, 0.0) == k.encode() for k in list(cache._entries))


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "big", None])
def test_cache_max_bytes_is_validated(value: object) -> None:
    """cache_max_bytes must be a positive integer, checked when the config is built."""
    with pytest.raises(ConfigurationError, match="cache_max_bytes"):
        CodegenConfig(cache_max_bytes=value)  # type: ignore[arg-type]


def test_cache_max_bytes_reaches_the_cache() -> None:
    """The client's cache holds at most cache_max_bytes (32 MiB unless set)."""
    assert 32 * 1024 * 1024 == CodegenConfig().cache_max_bytes
    assert 4096 == CodegenConfig(cache_max_bytes=4096).cache_max_bytes
