"""Argument parsing and dispatch of ``codegen-client``; every failure becomes a message.

Exit statuses: see :mod:`._exit` (one table for every command, shown by ``--help``).
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from ..errors import CodegenError, ConfigurationError, JobFileError, JobLockedError
from ..models import ACTIVE_STATUSES, PAUSED_STATUSES, TERMINAL_STATUSES
from ._exit import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_TABLE, EXIT_USAGE
from ._jobfile import InputError
from ._output import Output
from ._usage import UsageError

__all__ = ["KNOWN_STATUSES", "UsageError", "build_parser", "main", "version"]

KNOWN_STATUSES = TERMINAL_STATUSES | ACTIVE_STATUSES | PAUSED_STATUSES
"""Every run status ``runs list --status`` accepts (in any letter case)."""

_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 with usage: keep that
        match = _INVALID_CHOICE.search(message)
        if match:
            choices = re.findall(r"'([^']*)'", match.group(2))
            close = difflib.get_close_matches(match.group(1), choices, n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def version() -> str:
    """The installed version of the ``codegen-client`` distribution."""
    from .. import __version__

    return __version__


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def _nonnegative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value < 1e9:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1: {text!r}")
    return value


def _status(text: str) -> str:
    upper = text.strip().upper()
    if upper not in KNOWN_STATUSES:
        known = ", ".join(sorted(KNOWN_STATUSES))
        raise argparse.ArgumentTypeError(f"unknown status {text!r} (known: {known})")
    return upper


def _add_globals(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The options every command takes, before or after it.

    Only the top-level parser has defaults: a subcommand's copies default to SUPPRESS,
    so an option given before the command is not overwritten by the subcommand's default.
    """

    def default(value: Any) -> Any:
        return value if top else argparse.SUPPRESS

    g = parser.add_argument_group("global options (before or after the command)")
    g.add_argument(
        "--token",
        default=default(None),
        help="API token (default: $CODEGEN_API_TOKEN); never printed",
    )
    g.add_argument(
        "--base-url",
        default=default(None),
        help="API root (default: $CODEGEN_BASE_URL or the real API)",
    )
    g.add_argument(
        "--org-id",
        type=_positive_int,
        default=default(None),
        help="organization (default: $CODEGEN_ORG_ID, else your only one)",
    )
    g.add_argument(
        "--time-scale",
        type=_positive_float,
        default=default(None),
        help="scale rate-limit windows and poll intervals for a time-scaled emulator "
        "(default: $CODEGEN_TIME_SCALE)",
    )
    g.add_argument(
        "--json", action="store_true", default=default(False), help="plain JSON lines on stdout"
    )
    g.add_argument("--no-color", action="store_true", default=default(False), help="no colour")
    g.add_argument(
        "--debug",
        action="store_true",
        default=default(False),
        help="show tracebacks of internal errors",
    )


def build_parser() -> argparse.ArgumentParser:
    """The full ``codegen-client`` argument parser."""
    parser = _Parser(
        prog="codegen-client",
        description="Command-line client for the Codegen agent API.",
        epilog=EXIT_TABLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    _add_globals(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
        _add_globals(p, top=False)
        return p

    command("whoami", "the user behind the token")
    command("orgs", "organizations you belong to")
    repos = command("repos", "repositories of the organization")
    repos.add_argument("--limit", type=_positive_int, default=100, help="at most this many")
    _runs_parser(command("runs", "agent runs"))
    _bulk_options(command("bulk", "create a run per line of a file"))
    audit = command("audit", "a bulk job's runs per input (created once, more, never)")
    audit.add_argument("results", help="the job's results file (bulk --output)")
    sub.add_parser(
        "emulator", help="serve the local API emulator (see: codegen-client emulator --help)"
    )
    _demo_options(command("demo", "a bulk job on a shipped file against the emulator"))
    return parser


def _runs_parser(runs: argparse.ArgumentParser) -> None:
    rsub = runs.add_subparsers(dest="runs_command", metavar="ACTION", parser_class=_Parser)
    rsub.required = True

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = rsub.add_parser(name, help=help_text, description=help_text)
        _add_globals(p, top=False)
        return p

    p = action("list", "recent runs, newest first")
    p.add_argument("--limit", type=_positive_int, default=20, help="at most this many")
    p.add_argument(
        "--status", type=_status, help="only runs with this status (e.g. complete, FAILED)"
    )
    p.add_argument("--mine", action="store_true", help="only runs you created through the API")
    p = action("get", "one run")
    p.add_argument("run_id", type=_positive_int)
    p = action("create", "start a run")
    p.add_argument("prompt", nargs="?", help="the prompt; - reads it from stdin")
    p.add_argument("--prompt-file", help="read the prompt from this file")
    p.add_argument("--repo-id", type=_positive_int)
    p.add_argument("--model")
    p.add_argument("--metadata", help='a JSON object stored with the run, e.g. \'{"team": "a"}\'')
    p.add_argument("--wait", action="store_true", help="wait until it finishes")
    p.add_argument("--timeout", type=_positive_float, default=3600.0, help="for --wait")
    p = action("wait", "wait until runs finish")
    p.add_argument("run_ids", type=_positive_int, nargs="+")
    p.add_argument("--timeout", type=_positive_float, default=3600.0)
    p = action("logs", "a run's trace logs")
    p.add_argument("run_id", type=_positive_int)
    p.add_argument("--limit", type=_positive_int, default=100, help="at most this many")
    p.add_argument(
        "--follow", "-f", action="store_true", help="print new lines until the run finishes"
    )
    p.add_argument("--timeout", type=_positive_float, default=3600.0, help="for --follow")
    p = action("resume", "resume a run with a new prompt")
    p.add_argument("run_id", type=_positive_int)
    p.add_argument("prompt")


def _demo_options(demo: argparse.ArgumentParser) -> None:
    demo.set_defaults(demo_time_scale=0.01)
    demo.add_argument("--file", help="prompts file (default: the shipped examples/prompts.jsonl)")
    demo.add_argument("--count", type=_positive_int, help="use only the first COUNT prompts")
    demo.add_argument("--max-concurrent", type=_positive_int, default=10)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument(
        "--output", "-o", help="keep the results file here (default: discarded at the end)"
    )


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
    p.add_argument(
        "--resend-unknown",
        action="store_true",
        help="send again creates whose absence could not be proven (risks a duplicate)",
    )
    p.add_argument(
        "--reconcile-grace",
        type=_nonnegative_float,
        help="seconds after a create's last send before it may be called absent "
        "(default: twice the client timeout)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``codegen-client``; returns the exit status (never raises, never a traceback)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["emulator"]:
        from ..emulator.__main__ import main as emulator_main

        return emulator_main(args_list[1:], prog="codegen-client emulator")
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command == "emulator":  # options before "emulator" belong to the client
        parser.error("give 'emulator' first: codegen-client emulator [emulator options]")
    out = Output(
        as_json=args.json, color=False if args.no_color or os.environ.get("NO_COLOR") else None
    )
    try:
        from ._commands import run_command

        return asyncio.run(run_command(args, out))
    except KeyboardInterrupt:
        out.error("interrupted")
        return EXIT_INTERRUPTED
    except JobLockedError as exc:
        out.error(str(exc))
        return EXIT_LOCKED
    except (UsageError, InputError, JobFileError, ConfigurationError) as exc:
        out.error(str(exc))  # nothing was sent
        return EXIT_USAGE
    except CodegenError as exc:
        out.error(f"{type(exc).__name__}: {exc}")
        return EXIT_FAILED
    except Exception as exc:  # the CLI's promise: a message, not a traceback
        if args.debug:
            traceback.print_exc()
        out.error(f"internal error: {type(exc).__name__}: {exc} (--debug shows details)")
        return EXIT_FAILED
