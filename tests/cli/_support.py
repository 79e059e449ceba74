"""Running ``codegen-client`` in a subprocess, for the CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys

TOKEN = "sk-cli-test-secret-0001"


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess; never inherits a token from the real environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("CODEGEN_")}
    base["NO_COLOR"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "codegen_async.cli", *args],
        env={**base, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    """Neither a traceback nor the token in the output."""
    assert "Traceback" not in result.stderr + result.stdout
    assert TOKEN not in result.stderr + result.stdout
