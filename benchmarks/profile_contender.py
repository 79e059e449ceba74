"""Profile one contender under cProfile against a private lean server.

``python -m benchmarks.profile_contender ours_async get -n 20000 -c 64 [--variant off]
[--sort tottime] [--top 30] [--filter codegen_]``

Only the timed window is profiled (the contender's ``timer.start()`` / ``timer.stop()``), so
the output shows where the client spends CPU per request, not start-up or warm-up.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import os
import pstats
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks._harness import managed_children, start_server
from benchmarks.contenders._common import Timer


class ProfilingTimer(Timer):
    """A :class:`Timer` that switches cProfile on for the timed window only."""

    def __init__(self, warmup: int) -> None:
        super().__init__(warmup)
        self.profile = cProfile.Profile()

    def start(self) -> None:
        super().start()
        self.profile.enable()

    def stop(self) -> None:
        self.profile.disable()
        super().stop()


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("module", help="contender module, e.g. ours_async, raw_aiohttp")
    p.add_argument("workload", choices=("get", "list", "create"))
    p.add_argument("-n", type=int, default=20_000, help="timed requests")
    p.add_argument("-c", type=int, default=1, help="concurrency (tasks or threads)")
    p.add_argument("--variant", default="", help="contender variant (off/on, async/sync)")
    p.add_argument("--sort", default="tottime", help="pstats sort key")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--filter", default="", help="only rows whose location contains this")
    args = p.parse_args(argv)
    module = importlib.import_module(f"benchmarks.contenders.{args.module}")
    with managed_children() as children:
        server = start_server(children)
        timer = ProfilingTimer(max(200, 2 * args.c))
        kwargs = {"variant": args.variant} if args.variant else {}
        module.run(args.workload, server.base_url, args.n, args.c, timer=timer, **kwargs)
    print(
        f"\n{args.module} {args.workload} n={args.n} c={args.c}: {args.n / timer.wall:,.0f} req/s "
        f"(profiled), {timer.cpu / args.n * 1e6:,.1f} us CPU per request"
    )
    out = io.StringIO()
    stats = pstats.Stats(timer.profile, stream=out).sort_stats(args.sort)
    if args.filter:
        stats.print_stats(args.filter, args.top)
    else:
        stats.print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
