"""Argument parsing and dispatch of ``codegen-client``; every failure becomes a message.

Exit statuses: see :mod:`._exit` (one table for every command).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from ..errors import CodegenError
from ._exit import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE
from ._jobfile import InputError
from ._output import Output

__all__ = ["UsageError", "build_parser", "main"]



class UsageError(Exception):
    """Bad usage the user can fix (missing token, bad option value)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 with usage: keep that
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The full ``codegen-client`` argument parser."""
    common = _Parser(add_help=False)
    g = common.add_argument_group("connection")
    g.add_argument("--token", help="API token (default: $CODEGEN_API_TOKEN); never printed")
    g.add_argument("--base-url", help="API root (default: $CODEGEN_BASE_URL or the real API)")
    g.add_argument("--org-id", type=_positive_int, help="organization (default: $CODEGEN_ORG_ID)")
    g.add_argument(
        "--time-scale",
        type=_positive_float,
        default=None,
        help="scale rate-limit windows and poll intervals (for a time-scaled emulator)",
    )
    g.add_argument("--json", action="store_true", help="plain JSON lines on stdout")
    g.add_argument("--no-color", action="store_true", help="no colour")
    g.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")

    parser = _Parser(
        prog="codegen-client",
        description="Command-line client for the Codegen agent API.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    sub.add_parser("whoami", parents=[common], help="the user behind the token")
    sub.add_parser("orgs", parents=[common], help="organizations you belong to")
    repos = sub.add_parser("repos", parents=[common], help="repositories of the organization")
    repos.add_argument("--limit", type=_positive_int, default=100, help="at most this many")

    _runs_parser(sub, common)

    bulk = sub.add_parser("bulk", parents=[common], help="create a run per line of a file")
    _bulk_options(bulk)

    emu = sub.add_parser(
        "emulator", help="serve the local API emulator (options: see --help)", add_help=False
    )
    emu.add_argument("emulator_args", nargs=argparse.REMAINDER)
    _demo_parser(sub, common)
    return parser


def _runs_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    runs = sub.add_parser("runs", parents=[common], help="agent runs")
    rsub = runs.add_subparsers(dest="runs_command", metavar="ACTION", parser_class=_Parser)
    rsub.required = True
    p = rsub.add_parser("list", parents=[common], help="recent runs, newest first")
    p.add_argument("--limit", type=_positive_int, default=20, help="at most this many")
    p.add_argument("--status", help="only runs with this status (e.g. COMPLETE)")
    p.add_argument("--mine", action="store_true", help="only runs you created through the API")
    p = rsub.add_parser("get", parents=[common], help="one run")
    p.add_argument("run_id", type=_positive_int)
    p = rsub.add_parser("create", parents=[common], help="start a run")
    p.add_argument("prompt")
    p.add_argument("--repo-id", type=_positive_int)
    p.add_argument("--model")
    p.add_argument("--wait", action="store_true", help="wait until it finishes")
    p.add_argument("--timeout", type=_positive_float, default=3600.0)
    p = rsub.add_parser("wait", parents=[common], help="wait until runs finish")
    p.add_argument("run_ids", type=_positive_int, nargs="+")
    p.add_argument("--timeout", type=_positive_float, default=3600.0)
    p = rsub.add_parser("logs", parents=[common], help="a run's trace logs")
    p.add_argument("run_id", type=_positive_int)
    p.add_argument("--limit", type=_positive_int, default=100)
    p = rsub.add_parser("resume", parents=[common], help="resume a run with a new prompt")
    p.add_argument("run_id", type=_positive_int)
    p.add_argument("prompt")


def _demo_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    demo = sub.add_parser(
        "demo", parents=[common], help="bulk job on a shipped file against the emulator"
    )
    demo.set_defaults(demo_time_scale=0.01)
    demo.add_argument("--file", help="prompts file (default: the shipped examples/prompts.jsonl)")
    demo.add_argument("--count", type=_positive_int, help="use only the first COUNT prompts")
    demo.add_argument("--max-concurrent", type=_positive_int, default=10)
    demo.add_argument("--seed", type=int, default=0)


def _bulk_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="JSONL (one config per line), CSV (prompt column) or text")
    p.add_argument("--format", choices=["jsonl", "csv", "text"], help="default: from the suffix")
    p.add_argument(
        "--output",
        "-o",
        help="results file, one JSON line per input; re-run with it to resume "
        "(default: FILE.results.jsonl)",
    )
    p.add_argument("--wait", action="store_true", help="wait until every run finishes")
    p.add_argument("--timeout", type=_positive_float, default=24 * 3600.0, help="for --wait")
    p.add_argument("--max-concurrent", type=_positive_int, default=5)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``codegen-client``; returns the exit status (never raises, never a traceback)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["emulator"]:
        from ..emulator.__main__ import main as emulator_main

        return emulator_main(args_list[1:])
    parser = build_parser()
    args = parser.parse_args(args_list)
    out = Output(
        as_json=args.json, color=False if args.no_color or os.environ.get("NO_COLOR") else None
    )
    try:
        from ._commands import run_command

        return asyncio.run(run_command(args, out))
    except KeyboardInterrupt:
        out.error("interrupted")
        return EXIT_INTERRUPTED
    except UsageError as exc:
        out.error(str(exc))
        return EXIT_USAGE
    except InputError as exc:
        out.error(str(exc))
        return EXIT_USAGE
    except CodegenError as exc:
        out.error(f"{type(exc).__name__}: {exc}")
        return EXIT_FAILED
    except Exception as exc:  # the CLI's promise: a message, not a traceback
        if args.debug:
            traceback.print_exc()
        out.error(f"internal error: {type(exc).__name__}: {exc} (--debug shows details)")
        return EXIT_FAILED
