"""Decoding alone: one 100-run page (~40 KB) into typed objects, no HTTP.

Decoders: msgspec Structs (the raw baselines' models), our ``codegen_async.models`` (when
importable), pydantic v2 ``model_validate_json``, the official client's models (``json.loads``
then ``AgentRunResponse.from_dict`` per item, which is what its ``ApiClient`` does) and stdlib
``json`` into dataclasses.  Rounds are interleaved; each figure is microseconds per page.

``python -m benchmarks.decode_bench [--rounds 7] [--json]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.payloads import page_body

Decoder = Callable[[bytes], Any]


def _ours() -> Decoder:
    import msgspec

    from codegen_async.models import AgentRun, Page

    decoder = msgspec.json.Decoder(Page[AgentRun])
    return decoder.decode


def _msgspec() -> Decoder:
    from benchmarks.schemas import PAGE_DECODER

    return PAGE_DECODER.decode


def _pydantic() -> Decoder:
    from benchmarks.schemas_pydantic import AgentRunPageModel

    return AgentRunPageModel.model_validate_json


def _official() -> Decoder:
    from benchmarks.contenders.official import OfficialPage

    def decode(body: bytes) -> Any:
        return OfficialPage(json.loads(body))

    return decode


def _dataclasses() -> Decoder:
    from benchmarks.contenders.requests_json import AgentRun, AgentRunPage

    def decode(body: bytes) -> Any:
        data = json.loads(body)
        items = [AgentRun.from_dict(item) for item in data.pop("items")]
        return AgentRunPage(items=items, **data)

    return decode


DECODERS: dict[str, Callable[[], Decoder]] = {
    "msgspec Struct": _msgspec,
    "ours (codegen_async.models)": _ours,
    "pydantic v2": _pydantic,
    "official models": _official,
    "json + dataclasses": _dataclasses,
}


def measure(rounds: int, budget: float) -> dict[str, Any]:
    """Interleave the decoders for ``rounds``; return per-page microseconds per decoder."""
    body = page_body()
    ready: dict[str, Decoder] = {}
    results: dict[str, Any] = {}
    for name, factory in DECODERS.items():
        try:
            decode = factory()
            page = decode(body)
            if len(page.items) != 100 or not isinstance(page.items[0].id, int):
                raise ValueError("wrong decode result")
        except Exception as exc:  # ImportError for ours before it exists
            results[name] = {"unavailable": f"{type(exc).__name__}: {exc}"}
            continue
        ready[name] = decode
    # Size each loop to about ``budget`` seconds.
    loops: dict[str, int] = {}
    for name, decode in ready.items():
        t0 = time.perf_counter()
        decode(body)
        once = max(time.perf_counter() - t0, 1e-6)
        loops[name] = max(5, int(budget / once))
    samples: dict[str, list[float]] = {name: [] for name in ready}
    for _ in range(rounds):
        for name, decode in ready.items():
            n = loops[name]
            t0 = time.perf_counter()
            for _ in range(n):
                decode(body)
            samples[name].append((time.perf_counter() - t0) / n * 1e6)
    for name, values in samples.items():
        results[name] = {
            "us_per_page": statistics.median(values),
            "min": min(values),
            "max": max(values),
            "rounds": values,
        }
    base = results.get("msgspec Struct", {}).get("us_per_page")
    if base:
        for value in results.values():
            if "us_per_page" in value:
                value["x_msgspec"] = value["us_per_page"] / base
    return {"page_bytes": len(body), "results": results}


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--budget", type=float, default=0.15, help="seconds per decoder per round")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    out = measure(args.rounds, args.budget)
    if args.json:
        print(json.dumps(out))
        return
    print(f"page: {out['page_bytes']} bytes")
    for name, value in out["results"].items():
        if "unavailable" in value:
            print(f"{name:30} unavailable: {value['unavailable']}")
        else:
            print(
                f"{name:30} {value['us_per_page']:8.1f} us/page "
                f"({value['min']:.1f}-{value['max']:.1f})  x{value['x_msgspec']:.2f}"
            )


if __name__ == "__main__":
    main()
