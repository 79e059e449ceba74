"""``bulk`` with stderr not a terminal (CI logs, ``2>log``): plain progress lines during the
job, including the rate-limit waits, instead of nothing until the end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from codegen_async.emulator import Emulator
from tests.cli._support import TOKEN, cli, no_traceback


def test_plain_progress_shows_rate_limit_waits(
    codegen_emulator_factory: Callable[..., Emulator], tmp_path: Path
) -> None:
    """12 creates at the real limit (10 per minute) on a clock 10x fast: the plain lines
    written while the job runs say it waits for the rate limit and when the next slot is."""
    emu = codegen_emulator_factory(time_scale=0.1, rate_limits="on", tokens={TOKEN: 1})
    env = {"CODEGEN_API_TOKEN": TOKEN, "CODEGEN_BASE_URL": emu.url, "CODEGEN_TIME_SCALE": "0.1"}
    path = tmp_path / "p.txt"
    path.write_text("".join(f"prompt {i}\n" for i in range(12)))
    result = cli("bulk", str(path), "-o", str(tmp_path / "r.jsonl"), env=env)
    assert 0 == result.returncode, result.stderr
    lines = [x for x in result.stderr.splitlines() if x.startswith("creating runs: ")]
    assert any("waiting for rate limit, next slot in" in x for x in lines), result.stderr
    assert lines[-1].startswith("creating runs: 12/12 done")
    no_traceback(result)
