"""Running documentation examples as scripts against an emulator (README and seed tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from codegen_async.emulator import Emulator


def run_example(code: str, emulator: Emulator, workdir: Path, *, warnings_as_errors: bool) -> None:
    """Run ``code`` in a fresh interpreter pointed at ``emulator`` by the CODEGEN_* variables;
    fail with the script and its stderr unless it exits 0 without printing the token."""
    script = workdir / "example.py"
    script.write_text(code)
    env = {
        **os.environ,
        "CODEGEN_BASE_URL": emulator.url,
        "CODEGEN_API_TOKEN": emulator.token,
        "CODEGEN_ORG_ID": str(emulator.org_id),
    }
    if warnings_as_errors:
        env["PYTHONWARNINGS"] = "error"
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=workdir,
        check=False,
    )
    assert 0 == result.returncode, f"{code}\n---\n{result.stderr[-3000:]}"
    assert emulator.token not in result.stdout + result.stderr
