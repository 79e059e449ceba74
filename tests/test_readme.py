"""Every Python example in README.md runs as written against the emulator."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from codegen_async.emulator import Emulator, serve_in_thread
from tests.examples import run_example

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with serve_in_thread(time_scale=0.01, port=0) as emu:
        yield emu


def test_readme_has_examples() -> None:
    """The README shows code (a guard against the extraction silently finding nothing)."""
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int, emulator: Emulator, tmp_path: Path) -> None:
    """README example number ``index`` exits 0 against the emulator, in a fresh interpreter."""
    run_example(BLOCKS[index], emulator, tmp_path, warnings_as_errors=True)
