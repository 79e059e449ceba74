"""``codegen-client demo``: the project's main job, end to end, on this machine.

It starts the emulator in-process with the real API's rate limits (10 creates per
minute, 60 reads per 30 s) on a sped-up clock, then runs ``bulk --wait`` on the shipped
prompts file: exactly-once creates paced by the client's limiter, the list-endpoint
watcher, a progress bar and the summary. The results file is kept only with ``--output``.
Runs the emulator ends FAILED or ERROR (its outcomes are drawn like the real service's) do
not fail the demo when every input was created exactly once.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from .. import AsyncCodegenClient
from ..config import CodegenConfig
from ._bulkcmd import BulkOptions, run_bulk
from ._exit import EXIT_FAILED, EXIT_OK
from ._jobfile import read_inputs
from ._output import Output
from ._usage import UsageError

__all__ = ["demo", "shipped_prompts"]


def shipped_prompts() -> Path | None:
    """``examples/prompts.jsonl`` of a source checkout, or in the working directory."""
    here = Path(__file__).resolve()
    for candidate in (
        here.parents[2] / "examples" / "prompts.jsonl",
        Path.cwd() / "examples" / "prompts.jsonl",
    ):
        if candidate.is_file():
            return candidate
    return None


async def demo(args: argparse.Namespace, out: Output) -> int:
    """Run the demo; returns the exit status."""
    from ..emulator import Emulator, EmulatorConfig

    scale = args.time_scale or args.demo_time_scale
    path = Path(args.file) if args.file else shipped_prompts()
    if path is None:
        raise UsageError("examples/prompts.jsonl not found; pass --file PROMPTS.jsonl")
    with tempfile.TemporaryDirectory(prefix="codegen-demo-") as tmp:
        source = str(path)
        if args.count:
            lines = [line for line in path.read_text().splitlines() if line.strip()]
            trimmed = Path(tmp) / path.name
            trimmed.write_text("\n".join(lines[: args.count]) + "\n")
            source = str(trimmed)
        emulator_config = EmulatorConfig(time_scale=scale, rate_limits="on", seed=args.seed)
        async with Emulator(emulator_config) as emulator:
            if not out.as_json:
                out.message(
                    f"emulator on {emulator.url}: real rate limits (10 creates/min, 60 reads/30 s)"
                    f" on a clock {1 / scale:g}x faster"
                )
            config = CodegenConfig(
                base_url=emulator.url,
                api_token=emulator.token,
                org_id=emulator.org_id,
                time_scale=scale,
            )
            async with AsyncCodegenClient(config) as client:
                options = BulkOptions(
                    file=source,
                    output=args.output or str(Path(tmp) / "results.jsonl"),
                    wait=True,
                    max_concurrent=args.max_concurrent,
                    progress=not args.json,
                    watch_options={"max_poll_interval": 120.0 * scale},
                )
                code = await run_bulk(client, options, out)
            created = sum(1 for r in emulator.accounting.creates if r.created)
            if code == EXIT_FAILED and created == len(read_inputs(source)):
                # Only simulated outcomes went wrong: the job itself did what it promises.
                code = EXIT_OK
                if not out.as_json:
                    out.message(
                        "some runs ended FAILED or ERROR, as the emulator draws outcomes like "
                        "the real service's; every input was created exactly once"
                    )
            if not out.as_json:
                totals = emulator.accounting.snapshot()["totals"]
                out.message(
                    f"emulator saw {totals.get('requests', 0)} requests, "
                    f"{totals.get('runs_created', 0)} runs created, "
                    f"{totals.get('rate_limited', 0)} answered 429"
                )
                if args.output:
                    out.message(f"results kept in {args.output}")
                else:
                    out.message(
                        "the results file was temporary and has been discarded "
                        "(pass --output FILE to keep it)"
                    )
        return code
