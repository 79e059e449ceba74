"""Input files of ``bulk`` (JSONL, CSV, plain text) and its resumable results file.

The results file is a write-ahead log, one JSON line per event, fsync'd as written:

* ``{"index", "key", "job", "status": "sending"}`` just before a create is sent;
* ``{"index", "key", "job", "status": "created" | "reconciled" | "failed" | "unknown"
  | "cancelled", "run_id", "run", "error", "attempts", "elapsed"}`` when it settles;
* ``{"index", ..., "status": "finished", "run"}`` after ``--wait`` saw the run end.

The last line of an index wins. On a re-run, ``created``/``reconciled``/``finished``
items are kept, and ``sending``/``unknown`` ones are looked up (by the marker the runner
attached) before anything is sent again: a crash or Ctrl-C never yields a duplicate run.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import msgspec

from .._bulktypes import BulkResult, config_key, describe_error
from ..errors import CodegenAPIError
from ..models import AgentRun

__all__ = ["InputError", "JobLog", "read_inputs"]

_CONFIG_KEYS = ("prompt", "metadata", "images", "repo_id", "model", "agent_type")
_FORMATS = ("jsonl", "csv", "text")


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


@dataclass
class Previous:
    """What an earlier run of the same job left in the results file."""

    job: str | None
    results: dict[int, BulkResult]
    finished: dict[int, AgentRun]


class JobLog:
    """The results file of one job: read what an earlier run wrote, append as we go."""

    def __init__(self, path: str, configs: list[dict[str, Any]]) -> None:
        self.path = path
        self.keys = [config_key(i, c) for i, c in enumerate(configs)]
        self._file: TextIO | None = None
        self.job: str | None = None

    def load(self) -> Previous:
        """Read an existing results file (a missing file is an empty one)."""
        try:
            text = Path(self.path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return Previous(None, {}, {})
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {self.path}: {getattr(exc, 'strerror', exc)}") from None
        lines = text.splitlines()
        last: dict[int, dict[str, Any]] = {}
        finished: dict[int, AgentRun] = {}
        job = None
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                if lineno == len(lines):
                    break  # the last line was cut short by a crash: ignore it
                raise InputError(f"{self.path}:{lineno}: not valid JSON") from None
            self._check_line(lineno, entry, job)
            index = entry["index"]
            job = entry.get("job")
            if entry.get("status") == "finished":
                run = _run(entry.get("run"))
                if run is not None:
                    finished[index] = run
                continue
            last[index] = entry
        self.job = job
        results = {i: r for i, e in last.items() if (r := self._previous(i, e)) is not None}
        return Previous(job, results, finished)

    def _check_line(self, lineno: int, entry: Any, job: str | None) -> None:
        where = f"{self.path}:{lineno}"
        if not isinstance(entry, dict) or not isinstance(entry.get("index"), int):
            raise InputError(f"{where}: not a results line of codegen-client")
        index, key = entry["index"], entry.get("key")
        if not 0 <= index < len(self.keys) or key != self.keys[index]:
            raise InputError(
                f"{where}: written for a different input file (item {index} does not match); "
                "use another --output"
            )
        if not isinstance(entry.get("job"), str) or (job is not None and entry["job"] != job):
            raise InputError(f"{where}: lines of two different jobs")

    def _previous(self, index: int, entry: dict[str, Any]) -> BulkResult | None:
        """The earlier result of an item worth keeping (or looking up), else ``None``."""
        status = entry.get("status")
        run = _run(entry.get("run"))
        attempts = int(entry.get("attempts") or 0)
        key = self.keys[index]
        if status in ("created", "reconciled") and run is not None:
            return BulkResult(
                index,
                "created" if status == "created" else "reconciled",
                run,
                attempts=attempts,
                key=key,
            )
        if status in ("sending", "unknown", "created", "reconciled"):
            # Sent, answer never recorded (or unreadable): look it up before any resend.
            return BulkResult(index, "unknown", None, attempts=attempts, key=key)
        return None

    def open(self, job: str) -> None:
        self.job = job
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def _write(self, entry: Mapping[str, Any]) -> None:
        f = self._file
        if f is None:
            return
        f.write(json.dumps(entry, separators=(",", ":"), default=str) + "\n")
        f.flush()
        os.fsync(f.fileno())

    def sending(self, index: int, key: str) -> None:
        """Log that a create is about to be sent."""
        self._write({"index": index, "key": key, "job": self.job, "status": "sending"})

    def result(self, result: BulkResult) -> None:
        """Log a settled (or unknown) item."""
        entry: dict[str, Any] = {
            "index": result.index,
            "key": self.keys[result.index],
            "job": self.job,
            "status": result.status,
            "run_id": result.data.id if result.data is not None else None,
            "attempts": result.attempts,
            "elapsed": round(result.elapsed, 4),
        }
        if result.data is not None:
            entry["run"] = result.data.dict()
        if result.error is not None:
            entry["error"] = error_dict(result.error)
        self._write(entry)

    def finished(self, index: int, run: AgentRun) -> None:
        """Log the final state of a run seen by ``--wait``."""
        self._write(
            {
                "index": index,
                "key": self.keys[index],
                "job": self.job,
                "status": "finished",
                "run_id": run.id,
                "run": run.dict(),
            }
        )

    def close(self) -> None:
        f, self._file = self._file, None
        if f is not None:
            f.close()


def error_dict(exc: BaseException) -> dict[str, Any]:
    """An error as plain data for the results file and ``--json`` output."""
    data: dict[str, Any] = {"type": type(exc).__name__, "message": describe_error(exc)}
    if isinstance(exc, CodegenAPIError):
        data["status_code"] = exc.status_code
    return data


def _run(value: Any) -> AgentRun | None:
    if not isinstance(value, dict):
        return None
    try:
        return msgspec.convert(value, AgentRun)
    except msgspec.ValidationError:
        return None
