"""Every shell block in README.md and docs/*.md runs as written against an emulator, or is
marked ``<!-- not-run: why -->`` on the line before it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from codegen_async.emulator import Emulator
from tests.examples import ShellBlock, run_shell_block, shell_blocks

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCKS = [block for path in DOCS for block in shell_blocks(path, ROOT)]
RUN = [b for b in BLOCKS if b.not_run is None]


def test_docs_have_shell_blocks() -> None:
    """The extraction finds blocks, some run, and every skipped one says why."""
    assert len(RUN) >= 3
    assert [] == [f"{b.source}:{b.line}" for b in BLOCKS if b.not_run == ""]


def test_readme_cli_section_runs() -> None:
    """The README's command-line section is run, not marked away."""
    readme = [b for b in RUN if b.source == "README.md"]
    assert any("codegen-client bulk" in b.text for b in readme)


@pytest.mark.parametrize("block", RUN, ids=[f"{b.source}:{b.line}" for b in RUN])
def test_shell_block_runs(
    block: ShellBlock, codegen_emulator_factory: Callable[..., Emulator], tmp_path: Path
) -> None:
    """The block exits with its documented status (0 unless marked) against a fresh emulator
    whose runs all complete (so a ``--wait`` ends the same way on every run)."""
    emulator = codegen_emulator_factory(time_scale=0.01, outcome_weights={"COMPLETE": 1.0})
    run_shell_block(block, emulator, tmp_path, ROOT)
