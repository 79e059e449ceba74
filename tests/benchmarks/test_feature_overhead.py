"""The interleaved features on/off benchmark runs end to end (tiny sizes, no timing)."""

from __future__ import annotations

import pytest

from benchmarks import feature_overhead


def test_measure_and_report() -> None:
    """Both kinds are measured in pairs of blocks; the cache never answers a request."""
    data = feature_overhead.measure(pairs=2, block=128, sync_block=16)
    assert {"async c=64", "sync t=1"} == set(data["results"])
    for result in data["results"].values():
        assert 2 == result["pairs"]
        assert 0 < result["ratio"]["min"] <= result["ratio"]["median"] <= result["ratio"]["max"]
        assert {"on", "off"} == set(result["req_per_s"]) == set(result["cpu_us_per_request"])
    table = feature_overhead.markdown(data)
    assert table[2].startswith("| async c=64 |")
    assert "" == table[4]
    assert table[5].startswith("- async c=64, the cache")
    assert table[6].startswith("- sync t=1, the cache")
    for result in data["results"].values():
        cache = result["cache"]
        assert cache["misses"] >= cache["declined"] >= 0


def test_other_variants_and_bad_ones() -> None:
    """Any two variants compare; an unknown or repeated one is refused before anything runs."""
    data = feature_overhead.measure(pairs=1, block=64, sync_block=8, variants=("on", "limited"))
    assert ["on", "limited"] == data["variants"]
    assert "on / limited" in feature_overhead.markdown(data)[0]
    for bad in (("on", "on"), ("on", "fast")):
        with pytest.raises(ValueError, match="two different variants"):
            feature_overhead.measure(pairs=1, block=8, sync_block=8, variants=bad)
