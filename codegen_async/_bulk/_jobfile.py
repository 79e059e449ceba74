"""The results file of a bulk create job: a locked, crash-safe write-ahead log.

One JSON object per line, each written and fsync'd before the runner goes on:

* a header ``{"codegen_client_job": 1, "job", "origin", "keys"}``, written once, before
  the first create: the job id, where the job starts in the server's list of runs
  (:class:`~._types.JobOrigin`) and every input's key;
* ``{"index", "key", "job", "status": "sending", "at"}`` just before a create may leave;
* ``{"index", "key", "job", "status", "run_id", "run", "error", "attempts", "elapsed",
  "at"}`` when an item settles (``created``, ``reconciled``, ``failed``, ``unknown``,
  ``cancelled``), with ``"duplicates"`` when the audit found more than one run;
* ``{"index", ..., "status": "finished", "run"}`` when a waiter saw the run end.

The last line of an index wins. When the job starts (and when it ends) the file is
*compacted*: rewritten, atomically, as the header plus one line per input holding that
input's final record (a ``sending`` line stays as it is: the create may have happened).

Only one process runs a job at a time: the file's companion ``<file>.lock`` is locked
(``flock``) for the job's whole life and names its holder. The operating system releases
the lock of a process that dies, so a crashed run never blocks the next one.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import socket
import stat
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import msgspec

from ..errors import CodegenAPIError, JobFileError, JobLockedError
from ..models import AgentRun
from ._types import BulkResult, JobOrigin, describe_error

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks
    fcntl = None  # type: ignore[assignment]

__all__ = ["JobFile", "PreviousJob", "error_dict"]

_HEADER = "codegen_client_job"
_MAX_FILE = 1 << 30  # a results file larger than 1 GiB is not one of ours


@dataclass
class PreviousJob:
    """What an earlier run of the same job left in its results file."""

    job: str | None = None
    origin: JobOrigin | None = None
    results: dict[int, BulkResult] = field(default_factory=dict)
    finished: dict[int, AgentRun] = field(default_factory=dict)
    sent_at: dict[int, float] = field(default_factory=dict)


class JobFile:
    """The locked results file of one bulk create job.

    Use it as a context manager: entering takes the lock (:class:`JobLockedError` if
    another process holds it) and reads what an earlier run left; leaving compacts
    the file and lets the lock go.

    Args:
        path: The results file (created if missing).
        keys: The inputs' keys, in input order (lines of other inputs are refused).
    """

    def __init__(self, path: str, keys: Sequence[str]) -> None:
        self.path = path
        self.keys = list(keys)
        self.job: str | None = None
        self.origin: JobOrigin | None = None
        self.previous = PreviousJob()
        self._lock_fd: int | None = None
        self._file: IO[str] | None = None
        self._entries: dict[int, dict[str, Any]] = {}
        self._finished: dict[int, dict[str, Any]] = {}

    # -- the lock ----------------------------------------------------------------------

    def __enter__(self) -> JobFile:
        self.lock()
        try:
            self.previous = self.load()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def lock(self) -> None:
        """Take the job's lock, or raise :class:`JobLockedError` naming its holder."""
        if fcntl is None or self._lock_fd is not None:  # pragma: no cover - Windows
            return
        lock_path = self.path + ".lock"
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise JobFileError(f"{lock_path}: cannot open the lock file ({_why(exc)})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _read_holder(fd)
            os.close(fd)
            who = ", ".join(f"{k} {v}" for k, v in holder.items()) or "holder unknown"
            raise JobLockedError(
                f"{self.path} is in use by another run of this job ({who}); "
                "wait for it to finish, or stop it, then run again",
                holder,
            ) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        os.fsync(fd)
        self._lock_fd = fd

    def close(self) -> None:
        """Compact the file (if the job started), close it and let the lock go."""
        f, self._file = self._file, None
        try:
            if f is not None:
                f.close()
                self.compact()
        finally:
            fd, self._lock_fd = self._lock_fd, None
            if fd is not None:
                # The lock file stays: removing it would let two runs lock two files.
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                os.close(fd)

    # -- reading -----------------------------------------------------------------------

    @classmethod
    def read_header(cls, path: str) -> tuple[str, JobOrigin | None, list[str]]:
        """The job id, origin and input keys a results file was written for."""
        text = cls(path, [])._read()
        first = text.split("\n", 1)[0]
        try:
            header = json.loads(first) if first.strip() else None
        except (json.JSONDecodeError, RecursionError):
            header = None
        if not isinstance(header, dict) or _HEADER not in header:
            raise JobFileError(f"{path}: no job header (not a results file of codegen-client)")
        job, keys = header.get("job"), header.get("keys")
        if not isinstance(job, str) or not isinstance(keys, list):
            raise JobFileError(f"{path}:1: a damaged job header")
        if not all(isinstance(k, str) for k in keys):
            raise JobFileError(f"{path}:1: a damaged job header")
        return job, JobOrigin.from_dict(header.get("origin")), keys

    def load(self) -> PreviousJob:
        """Read an existing results file (a missing one is empty)."""
        text = self._read()
        lines = text.split("\n")
        complete = text.endswith("\n") or not text
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                if lineno == len(lines) and not complete:
                    break  # the last line was cut short by a crash: repaired on start()
                raise JobFileError(f"{self.path}:{lineno}: not valid JSON") from None
            self._take(lineno, entry)
        prev = PreviousJob(self.job, self.origin)
        for index, entry in self._entries.items():
            result = self._previous(index, entry)
            if result is not None:
                prev.results[index] = result
            if entry.get("status") in ("sending", "unknown") and isinstance(
                entry.get("at"), int | float
            ):
                prev.sent_at[index] = float(entry["at"])
        for index, entry in self._finished.items():
            run = _run(entry.get("run"))
            if run is not None:
                prev.finished[index] = run
        return prev

    def _read(self) -> str:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return ""
        except OSError as exc:
            raise JobFileError(f"{self.path}: cannot read it ({_why(exc)})") from None
        if not stat.S_ISREG(info.st_mode):
            raise JobFileError(f"{self.path}: not a regular file; give a file path for results")
        if info.st_size > _MAX_FILE:
            raise JobFileError(f"{self.path}: larger than 1 GiB, not a results file")
        try:
            return Path(self.path).read_text(encoding="utf-8")
        except OSError as exc:
            raise JobFileError(f"{self.path}: cannot read it ({_why(exc)})") from None
        except UnicodeDecodeError:
            raise JobFileError(f"{self.path}: not UTF-8 text, not a results file") from None

    def _take(self, lineno: int, entry: Any) -> None:
        where = f"{self.path}:{lineno}"
        if isinstance(entry, dict) and _HEADER in entry:
            self._check_job(where, entry.get("job"))
            self.origin = JobOrigin.from_dict(entry.get("origin"))
            return
        if not isinstance(entry, dict) or not isinstance(entry.get("index"), int):
            raise JobFileError(f"{where}: not a results line of codegen-client")
        index, key = entry["index"], entry.get("key")
        if not 0 <= index < len(self.keys) or key != self.keys[index]:
            raise JobFileError(
                f"{where}: written for a different input file (item {index} does not match); "
                "use another results file"
            )
        self._check_job(where, entry.get("job"))
        if entry.get("status") == "finished" or entry.get("finished") is True:
            self._finished[index] = entry
        if entry.get("status") != "finished":
            self._entries[index] = entry

    def _check_job(self, where: str, job: Any) -> None:
        if not isinstance(job, str) or (self.job is not None and job != self.job):
            raise JobFileError(f"{where}: lines of two different jobs")
        self.job = job

    def _previous(self, index: int, entry: dict[str, Any]) -> BulkResult | None:
        """The earlier result of an item worth keeping (or looking up), else ``None``."""
        status = entry.get("status")
        run = _run(entry.get("run"))
        attempts = entry.get("attempts")
        attempts = attempts if isinstance(attempts, int) else 0
        key = self.keys[index]
        if status in ("created", "reconciled") and run is not None:
            return BulkResult(index, status, run, attempts=attempts, key=key)
        if status in ("sending", "unknown", "created", "reconciled"):
            # Sent, answer never recorded (or unreadable): look it up before any resend.
            return BulkResult(index, "unknown", None, attempts=attempts, key=key)
        return None

    # -- writing -----------------------------------------------------------------------

    def start(self, job: str, origin: JobOrigin) -> None:
        """Open the file for the job's lines: compacted, its header first."""
        if self.job is not None and job != self.job:
            raise JobFileError(f"{self.path}: holds job {self.job}, not {job}")
        self.job, self.origin = job, self.origin or origin
        self.compact()
        try:
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - see close()
        except OSError as exc:
            raise JobFileError(f"{self.path}: cannot write it ({_why(exc)})") from None

    def compact(self) -> None:
        """Rewrite the file as its header plus one final line per input, atomically."""
        if self.job is None:
            return
        lines = [self._header()]
        for index in sorted(set(self._entries) | set(self._finished)):
            lines.append(self._final(index))
        temp = self.path + ".tmp"
        try:
            with open(temp, "w", encoding="utf-8") as f:
                f.write("".join(_line(e) for e in lines))
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, self.path)
            _fsync_dir(self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise JobFileError(f"{self.path}: cannot write it ({_why(exc)})") from None

    def _header(self) -> dict[str, Any]:
        origin = self.origin.dict() if self.origin is not None else None
        return {_HEADER: 1, "job": self.job, "origin": origin, "keys": self.keys}

    def _final(self, index: int) -> dict[str, Any]:
        entry = dict(self._entries.get(index) or self._finished[index])
        finished = self._finished.get(index)
        if finished is not None and entry.get("status") in ("created", "reconciled"):
            entry["run"] = finished.get("run")
            entry["finished"] = True
        return entry

    def _write(self, entry: dict[str, Any]) -> None:
        f = self._file
        if f is None:
            return
        try:
            f.write(_line(entry))
            f.flush()
            os.fsync(f.fileno())
        except OSError as exc:
            raise JobFileError(f"{self.path}: cannot write it ({_why(exc)})") from None
        if entry["status"] == "finished":
            self._finished[entry["index"]] = entry
        else:
            self._entries[entry["index"]] = entry

    def sending(self, index: int, key: str) -> None:
        """Log that a create is about to leave (before it does)."""
        self._write(
            {"index": index, "key": key, "job": self.job, "status": "sending", "at": time.time()}
        )

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
            "at": time.time(),
        }
        if result.data is not None:
            entry["run"] = result.data.dict()
        if result.error is not None:
            entry["error"] = error_dict(result.error)
        if result.duplicates:
            entry["duplicates"] = list(result.duplicates)
        if result.status == "unknown" and result.index in self.previous.sent_at:
            entry["at"] = self.previous.sent_at[result.index]  # when it was last sent
        self._write(entry)

    def finished(self, index: int, run: AgentRun) -> None:
        """Log the final state of a run seen by a waiter."""
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

    def __repr__(self) -> str:
        return f"<JobFile {self.path!r} job={self.job!r}>"


def error_dict(exc: BaseException) -> dict[str, Any]:
    """An error as plain data for the results file and ``--json`` output."""
    data: dict[str, Any] = {"type": type(exc).__name__, "message": describe_error(exc)}
    if isinstance(exc, CodegenAPIError):
        data["status_code"] = exc.status_code
    return data


def _line(entry: Mapping[str, Any]) -> str:
    return json.dumps(entry, separators=(",", ":"), default=str) + "\n"


def _run(value: Any) -> AgentRun | None:
    if not isinstance(value, dict):
        return None
    try:
        return msgspec.convert(value, AgentRun)
    except msgspec.ValidationError:
        return None


def _read_holder(fd: int) -> dict[str, object]:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return {k: data[k] for k in ("pid", "host", "started") if k in data}


def _fsync_dir(path: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__
