"""``python -m codegen_async.emulator``: serve the emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import signal
import sys
from collections.abc import Sequence

from ._config import DEFAULT_ORG_ID, DEFAULT_TOKEN, EmulatorConfig, parse_faults, parse_rate_limits
from ._server import Emulator

__all__ = ["main", "parse_args"]


def _duration(text: str) -> tuple[float, float]:
    low, _, high = text.partition(",")
    return float(low), float(high or low)


def parse_args(
    argv: Sequence[str] | None = None, *, prog: str = "python -m codegen_async.emulator"
) -> EmulatorConfig:
    """Turn command-line arguments into an :class:`EmulatorConfig`."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve an emulator of the Codegen REST API v1.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = free)")
    parser.add_argument(
        "--token",
        action="append",
        help=f"accepted bearer token, repeatable (default {DEFAULT_TOKEN})",
    )
    parser.add_argument("--org-id", type=int, default=DEFAULT_ORG_ID, help="organization id")
    parser.add_argument(
        "--time-scale", type=float, default=1.0, help="wall seconds per emulated second"
    )
    parser.add_argument(
        "--rate-limits",
        type=parse_rate_limits,
        default="on",
        help="on (default), off, or a scale of the documented counts",
    )
    parser.add_argument("--retry-after", action="store_true", help="send Retry-After on 429s")
    parser.add_argument(
        "--faults",
        type=parse_faults,
        default=None,
        help="fault injection, e.g. latency=0.01,error_rate=0.05,drop_after_rate=0.01",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of every random draw")
    parser.add_argument("--plan-quota", type=int, default=None, help="runs per org before 402")
    parser.add_argument(
        "--run-duration",
        type=_duration,
        default=(5.0, 120.0),
        help="MIN,MAX emulated seconds of a run (default 5,120)",
    )
    parser.add_argument("--world", default=None, help="JSON file with more seed data")
    parser.add_argument("--seed-runs", type=int, default=0, help="historical runs to create")
    parser.add_argument(
        "--admin", action="store_true", help="serve /_emulator/... accounting and control"
    )
    parser.add_argument(
        "--webhook-url",
        action="append",
        default=[],
        help="POST signed events for run changes here (repeatable; our extension)",
    )
    parser.add_argument(
        "--webhook-secret",
        default=os.environ.get("CODEGEN_WEBHOOK_SECRET"),
        help="signing secret (default: $CODEGEN_WEBHOOK_SECRET, which keeps it out of `ps`)",
    )
    args = parser.parse_args(argv)
    tokens = None
    if args.token:
        # Every token on the command line belongs to the default user.
        tokens = dict.fromkeys(args.token, 1)
    return EmulatorConfig(
        org_id=args.org_id,
        tokens=tokens,
        time_scale=args.time_scale,
        rate_limits=args.rate_limits,
        retry_after=args.retry_after,
        faults=args.faults,
        seed=args.seed,
        plan_quota=args.plan_quota,
        run_duration=args.run_duration,
        admin_endpoints=args.admin,
        host=args.host,
        port=args.port,
        world=args.world,
        seed_runs=args.seed_runs,
        webhook_urls=tuple(args.webhook_url),
        webhook_secret=args.webhook_secret,
    )


async def _serve(config: EmulatorConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # Windows has no add_signal_handler
            loop.add_signal_handler(sig, stop.set)
    async with Emulator(config) as emulator:
        print(f"Codegen API emulator listening on {emulator.url}", flush=True)
        print(_banner(emulator), flush=True)
        await stop.wait()


def _banner(emulator: Emulator) -> str:
    """What a user needs next: the environment that points the client at this emulator."""
    scale = emulator.config.time_scale
    return (
        "point the client at it (Ctrl-C stops it):\n"
        f"  export CODEGEN_BASE_URL={emulator.url} CODEGEN_API_TOKEN={emulator.token} "
        f"CODEGEN_ORG_ID={emulator.org_id} CODEGEN_TIME_SCALE={scale:g}"
    )


def main(
    argv: Sequence[str] | None = None, *, prog: str = "python -m codegen_async.emulator"
) -> int:
    """Entry point; returns the process exit status (2 when the port cannot be bound)."""
    config = parse_args(argv, prog=prog)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(config))
    except OSError as exc:  # the port is taken, or the host is not ours to bind
        why = "address already in use" if exc.errno == errno.EADDRINUSE else str(exc)
        print(
            f"{prog}: error: cannot listen on {config.host}:{config.port}: {why}"
            " (pick another --port, or --port 0 for a free one)",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
