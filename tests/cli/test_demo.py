"""``codegen-client demo``: a bulk job against an in-process emulator, its results file
discarded unless ``--output`` keeps it."""

from __future__ import annotations

import json
from pathlib import Path

from codegen_async.cli._exit import EXIT_OK
from tests.cli._support import cli, no_traceback


class TestDemo:
    def test_discards_its_results_by_default(self, tmp_path: Path) -> None:
        """Without --output the demo says its results file was temporary and discarded."""
        result = cli("demo", "--count", "3", "--no-color")
        assert EXIT_OK == result.returncode, result.stderr
        assert "has been discarded (pass --output FILE to keep it)" in result.stderr
        no_traceback(result)

    def test_output_keeps_the_results(self, tmp_path: Path) -> None:
        """With --output the results file survives, one line per event of each input."""
        out = tmp_path / "codegen-demo.results.jsonl"
        result = cli("demo", "--count", "3", "--output", str(out), "--json")
        assert EXIT_OK == result.returncode, result.stderr
        assert 3 == json.loads(result.stdout.splitlines()[-1])["summary"]["inputs"]
        indexes = {json.loads(line).get("index") for line in out.read_text().splitlines()}
        assert {0, 1, 2} <= indexes
