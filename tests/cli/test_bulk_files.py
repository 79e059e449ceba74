"""Bad input and results files of ``bulk``: a clear ``file: why`` and exit 2, never a crash;
a results file cut short by a crash is repaired before anything is appended."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from codegen_async.cli._exit import EXIT_OK, EXIT_USAGE
from codegen_async.emulator import Emulator
from tests.cli._support import cli, no_traceback


def _created(emulator: Emulator) -> Counter[str]:
    return Counter(r.prompt for r in emulator.accounting.creates if r.created and r.prompt)


def test_a_deeply_nested_line_is_an_input_error(
    env: dict[str, str], emu: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text('"fine"\n' + "[" * 100_000 + "]" * 100_000 + "\n")
    result = cli("bulk", str(path), "-o", str(tmp_path / "r.jsonl"), env=env)
    assert EXIT_USAGE == result.returncode
    assert f"{path}:2: JSON nested too deeply" in result.stderr
    assert "internal error" not in result.stderr
    no_traceback(result)
    assert 0 == emu.accounting.total("requests")


def test_a_results_file_in_a_missing_folder_is_a_usage_error(
    env: dict[str, str], emu: Emulator, tmp_path: Path
) -> None:
    """Writing is impossible (the folder does not exist): a clear message, nothing sent."""
    path = tmp_path / "p.txt"
    path.write_text("one\n")
    out = tmp_path / "missing" / "r.jsonl"
    result = cli("bulk", str(path), "-o", str(out), env=env)
    assert EXIT_USAGE == result.returncode
    assert str(out) in result.stderr and "internal error" not in result.stderr
    no_traceback(result)
    assert 0 == emu.accounting.total("requests")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_as_results_file_is_refused(
    env: dict[str, str], emu: Emulator, tmp_path: Path, device: str
) -> None:
    """``--output /dev/zero`` used to read until MemoryError."""
    path = tmp_path / "p.txt"
    path.write_text("one\n")
    result = cli("bulk", str(path), "-o", device, env=env, timeout=30)
    assert EXIT_USAGE == result.returncode
    assert f"{device}: not a regular file" in result.stderr
    no_traceback(result)
    assert 0 == emu.accounting.total("requests")


def test_a_device_as_input_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    result = cli("bulk", "/dev/zero", "-o", str(tmp_path / "r.jsonl"), env=env, timeout=30)
    assert EXIT_USAGE == result.returncode
    assert "/dev/zero: not a regular file" in result.stderr


def test_a_results_file_cut_short_resumes_twice(
    env: dict[str, str], emu: Emulator, tmp_path: Path
) -> None:
    """A crash cut the last line short while it was appended: the first resume works,
    and so does the second (the broken tail is dropped before anything is appended)."""
    prompts = [f"cut {i}" for i in range(6)]
    path = tmp_path / "p.txt"
    path.write_text("\n".join(prompts[:3]) + "\n")
    out = tmp_path / "r.jsonl"
    assert EXIT_OK == cli("bulk", str(path), "-o", str(out), env=env).returncode
    path.write_text("\n".join(prompts) + "\n")
    header = json.loads(out.read_text().splitlines()[0])
    cut = json.dumps({"index": 3, "key": "3-", "job": header["job"], "status": "send"})[:40]
    with out.open("a") as f:
        f.write(cut)  # no newline: the process died in the middle of this write
    for _ in range(2):
        result = cli("bulk", str(path), "-o", str(out), "--reconcile-grace", "0", env=env)
        assert EXIT_OK == result.returncode, result.stderr
    assert dict.fromkeys(prompts, 1) == dict(_created(emu))
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert 1 + 6 == len(lines)
