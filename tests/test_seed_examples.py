"""Every Python example of the seed document (the API promised to users) runs against the
emulator with only its import changed: ``backend.api`` -> ``codegen_sync`` (or
``codegen_async`` for the async client), ``backend.api.testing`` -> ``codegen_sync.testing``.

Many examples are fragments that use names from earlier ones (``client``, ``ConfigPresets``,
``prompt``), so each gets the same short prelude a reader would carry over. The seed is kept
verbatim in ``tests/seed.txt``: the document the project was created from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from codegen_async.emulator import Emulator, serve_in_thread
from tests.examples import run_example

SEED = Path(__file__).resolve().parent / "seed.txt"
BLOCKS = re.findall(r"```python\n(.*?)```", SEED.read_text(errors="replace"), flags=re.DOTALL)
PRELUDE = """\
from codegen_async import AsyncCodegenClient
from codegen_sync import CodegenClient, CodegenConfig, ConfigPresets, RateLimitError
client = CodegenClient()
prompt = "An example prompt"
"""


def adapt(block: str) -> str:
    """Change only the imports, and give fragments the client their prose assumes."""

    def swap(line: str) -> str:
        if "backend.api.testing" in line:
            return line.replace("backend.api.testing", "codegen_sync.testing")
        package = "codegen_async" if "AsyncCodegenClient" in line else "codegen_sync"
        return line.replace("backend.api", package)

    return PRELUDE + "\n".join(swap(line) for line in block.splitlines())


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    # Server limits off: each example is its own process with its own client-side limiter
    # (real-time windows), while the emulator's windows run 100x faster and are shared, so
    # back-to-back examples could draw a 429 that a real-time client then waits a minute on.
    with serve_in_thread(time_scale=0.01, rate_limits="off") as emu:
        yield emu


def test_seed_has_examples() -> None:
    """The seed's 24 examples are found (a guard against the extraction finding nothing)."""
    assert 24 == len(BLOCKS)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_seed_example_runs(index: int, emulator: Emulator, tmp_path: Path) -> None:
    """Seed example number ``index`` exits 0 against the emulator."""
    run_example(adapt(BLOCKS[index]), emulator, tmp_path, warnings_as_errors=False)
