"""Progress of a bulk job: a thread-safe tally, and a bar drawn with rich (or plain lines).

Pure and shared: the tally's lock is a plain ``threading.Lock`` that is never held
across an ``await``, so it serves the async runner (uncontended) and the sync one
(worker threads) alike. ``rich`` is an optional extra; without it the bar degrades to
one plain line on stderr every couple of seconds.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from ._bulktypes import BulkProgress, BulkResult

__all__ = ["ProgressBar", "Tally"]


class Tally:
    """Counts a bulk job's results as they arrive (an item may change status later)."""

    def __init__(self, total: int, started: float, wait_before: float) -> None:
        self._lock = threading.Lock()
        self._status: dict[int, str] = {}
        self._counts = {"succeeded": 0, "failed": 0, "unknown": 0, "cancelled": 0}
        self.total = total
        self.in_flight = 0
        self.started = started
        self.wait_before = wait_before

    @staticmethod
    def _bucket(status: str) -> str:
        if status in ("created", "reconciled", "succeeded"):
            return "succeeded"
        return status

    def begin(self) -> None:
        with self._lock:
            self.in_flight += 1

    def end(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def record(self, result: BulkResult) -> None:
        """Count ``result``, replacing what was counted for its index before."""
        with self._lock:
            old = self._status.get(result.index)
            if old is not None:
                self._counts[self._bucket(old)] -= 1
            self._status[result.index] = result.status
            self._counts[self._bucket(result.status)] += 1

    def snapshot(self, now: float, wait_now: float) -> BulkProgress:
        with self._lock:
            c = dict(self._counts)
            in_flight = self.in_flight
        return BulkProgress(
            total=self.total,
            done=c["succeeded"] + c["failed"] + c["unknown"],
            succeeded=c["succeeded"],
            failed=c["failed"],
            unknown=c["unknown"],
            in_flight=in_flight,
            elapsed=max(0.0, now - self.started),
            rate_limit_wait=max(0.0, wait_now - self.wait_before),
        )


class ProgressBar:
    """A progress bar for bulk jobs: done / failed / rate / ETA / rate-limit wait.

    Use as a callable ``on_progress`` and close it with :meth:`close`. ``plain=True``
    (or rich missing) prints a plain status line to ``stream`` at most every
    ``interval`` seconds.
    """

    def __init__(
        self,
        description: str = "creating runs",
        *,
        stream: TextIO | None = None,
        plain: bool = False,
        interval: float = 2.0,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._description = description
        self._interval = interval
        self._last_line = 0.0
        self._last: BulkProgress | None = None
        self._rich: Any = None
        self._task: Any = None
        if not plain:
            self._rich = _rich_progress(self._stream)
        if self._rich is not None:
            self._rich.start()

    def __call__(self, progress: BulkProgress) -> None:
        self._last = progress
        if self._rich is not None:
            fields = _fields(progress)
            if self._task is None:
                self._task = self._rich.add_task(self._description, total=progress.total, **fields)
            self._rich.update(self._task, completed=progress.done, **fields)
            return
        now = time.monotonic()
        if now - self._last_line >= self._interval or progress.done == progress.total:
            self._last_line = now
            self._stream.write(_plain_line(self._description, progress) + "\n")
            self._stream.flush()

    def set_description(self, description: str) -> None:
        """Change the label (e.g. from "creating" to "waiting")."""
        self._description = description
        if self._rich is not None and self._task is not None:
            self._rich.update(self._task, description=description)

    def reset(self, description: str) -> None:
        """Start a new bar (a new phase of the job)."""
        if self._rich is not None and self._task is not None:
            self._rich.stop_task(self._task)
        self._task = None
        self._description = description

    def close(self) -> None:
        """Stop drawing (joins rich's refresh thread)."""
        if self._rich is not None:
            self._rich.stop()
            self._rich = None


def _fields(p: BulkProgress) -> dict[str, Any]:
    eta = "-" if p.eta is None else f"{p.eta:.0f}s"
    unknown = f" [yellow]{p.unknown} unknown[/]" if p.unknown else ""
    line = (
        f"[red]{p.failed} failed[/]{unknown} {p.rate:.1f}/s ETA {eta} "
        f"[dim]limiter {p.rate_limit_wait:.0f}s[/]"
    )
    return {
        "failed": p.failed,
        "unknown": p.unknown,
        "rate": f"{p.rate:.1f}/s",
        "eta": eta,
        "waited": f"{p.rate_limit_wait:.1f}s",
        "line": line,
    }


def _plain_line(description: str, p: BulkProgress) -> str:
    f = _fields(p)
    return (
        f"{description}: {p.done}/{p.total} done, {p.failed} failed, {p.unknown} unknown, "
        f"{f['rate']}, ETA {f['eta']}, waited on rate limiter {f['waited']}"
    )


def _rich_progress(stream: TextIO) -> Any:
    try:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    except ImportError:  # the "progress" extra is not installed
        return None
    console = Console(file=stream)
    columns: list[Any] = [
        TextColumn("[bold]{task.description}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TextColumn("{task.fields[line]}"),
    ]
    return Progress(*columns, console=console, transient=False, refresh_per_second=8)


ProgressCallback = Callable[[BulkProgress], None]
