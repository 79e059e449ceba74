"""Input files of ``bulk`` (JSONL, CSV, plain text); the results file is the library's
:class:`~codegen_async._bulk._jobfile.JobFile`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path
from typing import Any

__all__ = ["InputError", "read_inputs"]

_CONFIG_KEYS = ("prompt", "metadata", "images", "repo_id", "model", "agent_type")
_FORMATS = ("jsonl", "csv", "text")
_MAX_INPUT = 256 << 20


class InputError(Exception):
    """A bad input or results file; the message says where and why."""


def read_inputs(path: str, fmt: str | None = None) -> list[dict[str, Any]]:
    """Read the configs of a bulk job; raise :class:`InputError` on the first bad line."""
    fmt = fmt or _guess_format(path)
    if fmt not in _FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(_FORMATS)}")
    try:
        if path == "-":
            import sys

            text = sys.stdin.read()
        else:
            _check_readable(path)
            text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"cannot read {path}: not UTF-8 text") from None
    if fmt == "csv":
        configs = _read_csv(path, text)
    elif fmt == "jsonl":
        configs = _read_jsonl(path, text)
    else:
        configs = [{"prompt": line.strip()} for line in text.splitlines() if line.strip()]
    if not configs:
        raise InputError(f"{path}: no prompts found")
    return configs


def _check_readable(path: str) -> None:
    """Refuse what is not a file of prompts (a directory, ``/dev/zero``, a huge file)."""
    info = os.stat(path)
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        raise InputError(f"{path}: not a regular file")
    if info.st_size > _MAX_INPUT:
        raise InputError(f"{path}: larger than {_MAX_INPUT >> 20} MiB; split the job")


def _guess_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    return "text"


def _read_jsonl(path: str, text: str) -> list[dict[str, Any]]:
    configs = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
        except RecursionError:
            raise InputError(f"{path}:{lineno}: JSON nested too deeply") from None
        if isinstance(value, str):
            value = {"prompt": value}
        configs.append(_check_config(path, lineno, value))
    return configs


def _read_csv(path: str, text: str) -> list[dict[str, Any]]:
    dialect = "excel-tab" if path.lower().endswith(".tsv") else "excel"
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if reader.fieldnames is None or "prompt" not in reader.fieldnames:
        raise InputError(f"{path}:1: a CSV file needs a header row with a 'prompt' column")
    configs = []
    for row in reader:
        lineno = reader.line_num
        if None in row:
            raise InputError(f"{path}:{lineno}: more fields than the header has")
        config: dict[str, Any] = {}
        metadata: dict[str, Any] = {}
        for name, value in row.items():
            if value is None or value == "":
                continue
            if name == "repo_id":
                if not value.strip().isdigit():
                    raise InputError(f"{path}:{lineno}: repo_id must be a number, got {value!r}")
                config["repo_id"] = int(value)
            elif name in ("prompt", "model", "agent_type"):
                config[name] = value
            else:
                metadata[name] = value  # any other column travels as metadata
        if metadata:
            config["metadata"] = metadata
        configs.append(_check_config(path, lineno, config))
    return configs


def _check_config(path: str, lineno: int, value: Any) -> dict[str, Any]:
    where = f"{path}:{lineno}"
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected a JSON object or a string, got {type(value).__name__}")
    unknown = sorted(set(value) - set(_CONFIG_KEYS))
    if unknown:
        raise InputError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(_CONFIG_KEYS)}"
        )
    prompt = value.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise InputError(f"{where}: 'prompt' must be a non-empty string")
    if "metadata" in value and not isinstance(value["metadata"], dict | type(None)):
        raise InputError(f"{where}: 'metadata' must be an object")
    if "repo_id" in value and (
        isinstance(value["repo_id"], bool) or not isinstance(value["repo_id"], int)
    ):
        raise InputError(f"{where}: 'repo_id' must be an integer")
    return value
