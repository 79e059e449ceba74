"""The bulk summary for people: a paused run is not listed as finished."""

from __future__ import annotations

from pathlib import Path

from tests.cli._support import cli, no_traceback


def test_paused_is_not_finished(env: dict[str, str], tmp_path: Path) -> None:
    """bulk --wait with one run that pauses and one that completes: 'paused (need input)'
    and 'finished COMPLETE', never 'finished PAUSED'."""
    path = tmp_path / "p.txt"
    path.write_text("a [emulator:pause]\nb [emulator:complete]\n")
    result = cli(
        "bulk", str(path), "-o", str(tmp_path / "r.jsonl"), "--wait", "--time-scale", "0.01",
        env={**env, "COLUMNS": "120"},
    )  # fmt: skip
    assert "paused (need input)" in result.stdout, result.stdout
    assert "finished COMPLETE" in result.stdout
    assert "finished PAUSED" not in result.stdout
    no_traceback(result)
