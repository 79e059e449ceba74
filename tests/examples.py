"""Running documentation examples against an emulator: Python blocks as scripts (README
and seed tests), shell blocks with bash (README and docs)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

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


# -- shell blocks -------------------------------------------------------------------------------

SHELL_LANGUAGES = ("bash", "sh", "shell", "console")
_FENCE = re.compile(r"^```([A-Za-z]*)[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
_MARK = re.compile(r"<!--\s*(not-run|exit):\s*(.*?)\s*-->\s*$")
OPTIONAL_TOOLS = ("curl",)
"""Programs outside the project a block may use; without them the block is skipped."""
EMULATOR_PLACEHOLDER = "http://127.0.0.1:8765"
"""The emulator URL the docs use; the test substitutes the URL of its own emulator."""


@dataclass(frozen=True)
class ShellBlock:
    """A fenced shell block of a Markdown file and the marks before it."""

    source: str
    line: int
    language: str
    text: str
    not_run: str | None = None
    exit_code: int = 0

    @property
    def script(self) -> str:
        """The commands: the whole block, or the ``$ `` lines of a console block (with their
        backslash continuations); other console lines are output."""
        if self.language != "console":
            return self.text
        commands: list[str] = []
        continuing = False
        for line in self.text.splitlines():
            if continuing:
                commands[-1] += "\n" + line
            elif line.startswith("$ "):
                commands.append(line[2:])
            else:
                continue
            continuing = line.rstrip().endswith("\\")
        return "\n".join(commands) + "\n"


def shell_blocks(path: Path, root: Path) -> list[ShellBlock]:
    """Every ```bash / sh / shell / console block of ``path``, with the HTML comment mark on
    the line before it: ``<!-- not-run: why -->`` or ``<!-- exit: N -->``."""
    text = path.read_text()
    blocks = []
    for match in _FENCE.finditer(text):
        language = match.group(1).lower()
        if language not in SHELL_LANGUAGES:
            continue
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = _MARK.search(before)
        not_run = exit_code = None
        if mark and mark.group(1) == "not-run":
            not_run = mark.group(2)
        elif mark:
            exit_code = int(mark.group(2))
        blocks.append(
            ShellBlock(
                source=str(path.relative_to(root)),
                line=text.count("\n", 0, match.start()) + 1,
                language=language,
                text=match.group(2),
                not_run=not_run,
                exit_code=exit_code or 0,
            )
        )
    return blocks


def run_shell_block(block: ShellBlock, emulator: Emulator, workdir: Path, root: Path) -> None:
    """Run ``block`` with bash (``set -e``) in ``workdir`` against ``emulator``: the CODEGEN_*
    variables exported, the docs' emulator URL replaced by its URL, the project's venv first
    on PATH and ``examples/`` and ``.venv`` linked in. Fails unless it exits as documented."""
    for name, target in (("examples", root / "examples"), (".venv", Path(sys.prefix))):
        link = workdir / name
        if not link.exists():
            link.symlink_to(target, target_is_directory=True)
    script = block.script.replace(EMULATOR_PLACEHOLDER, emulator.url)
    for tool in OPTIONAL_TOOLS:
        if re.search(rf"(^|[|;&]\s*){tool}\b", script, re.MULTILINE) and not shutil.which(tool):
            pytest.skip(f"{tool} is not installed")
    base = {k: v for k, v in os.environ.items() if not k.startswith("CODEGEN_")}
    env = {
        **base,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}",
        "CODEGEN_BASE_URL": emulator.url,
        "CODEGEN_API_TOKEN": emulator.token,
        "CODEGEN_ORG_ID": str(emulator.org_id),
        "CODEGEN_TIME_SCALE": str(emulator.config.time_scale),
        "NO_COLOR": "1",
        "COLUMNS": "100",
    }
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=workdir,
        check=False,
    )
    where = f"{block.source}:{block.line}"
    assert block.exit_code == result.returncode, (
        f"{where}\n{script}\n---\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    )
    assert emulator.token not in result.stderr, where
