"""Progress of a bulk job: a thread-safe tally, and a bar drawn with rich (or plain lines).

Pure and shared: the tally's lock is a plain ``threading.Lock`` that is never held
across an ``await``, so it serves the async runner (uncontended) and the sync one
(worker threads) alike. ``rich`` is an optional extra; without it, or when the stream is
not a terminal (CI logs, ``2>log``), the bar is one plain line every few seconds.

Given the client's ``get_rate_limit_status``, the bar also ticks between results: it
says when items wait for a rate-limit slot and when the next one frees, its ETA counts
the limit, and it measures the wall time during which the limiter held items back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from .._ratelimit._status import GroupLimitStatus, RateLimitStatus
from ._types import BulkProgress, BulkResult

__all__ = ["LimitWatch", "ProgressBar", "Tally"]


class Tally:
    """Counts a bulk job's results as they arrive (an item may change status later).

    Given ``rate_status`` (the client's ``get_rate_limit_status``), each snapshot also
    carries the wall time the limiter held the job back, sampled at each snapshot.
    """

    def __init__(
        self,
        total: int,
        started: float,
        wait_before: float,
        rate_status: Callable[[], RateLimitStatus] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._limits = LimitWatch(rate_status, started) if rate_status is not None else None
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
            done = c["succeeded"] + c["failed"] + c["unknown"]
            wall_wait = 0.0
            if self._limits is not None:
                self._limits.sample(now, self.total - done)
                wall_wait = self._limits.wall_wait
        return BulkProgress(
            total=self.total,
            done=done,
            succeeded=c["succeeded"],
            failed=c["failed"],
            unknown=c["unknown"],
            in_flight=in_flight,
            elapsed=max(0.0, now - self.started),
            rate_limit_wait=max(0.0, wait_now - self.wait_before),
            rate_limit_wall_wait=wall_wait,
        )


class LimitWatch:
    """What the rate limiter does to a job, sampled from ``get_rate_limit_status()``.

    The binding group is the one holding items back: a group with no free slot now
    (``remaining == 0``), preferring the one whose waits grew most since the watch began.
    ``wall_wait`` adds up the time between samples during which items were left and the
    binding group had no free slot: wall time, unlike the limiter's ``time_waiting``,
    which sums the waits of every request.
    """

    def __init__(self, status: Callable[[], RateLimitStatus], now: float) -> None:
        self._status = status
        self._base = {g.name: g.time_waiting for g in status().groups.values()}
        self._last_sample = now
        self.wall_wait = 0.0
        self.waiting = False
        """Whether items were waiting for a slot at the last sample."""
        self.next_slot: float | None = None
        """Seconds until the binding group's next slot frees, when waiting."""
        self.binding: GroupLimitStatus | None = None

    def sample(self, now: float, items_left: int) -> None:
        """Read the limiter's status and account the time since the previous sample."""
        if self.waiting:
            self.wall_wait += max(0.0, now - self._last_sample)
        self._last_sample = now
        groups = list(self._status().groups.values())

        def grown(g: GroupLimitStatus) -> float:
            return g.time_waiting - self._base.get(g.name, 0.0)

        full = [g for g in groups if g.remaining == 0 and g.reset_in > 0]
        if full:
            self.binding = max(full, key=lambda g: (grown(g), g.reset_in))
        else:
            waited = [g for g in groups if grown(g) > 0]
            self.binding = max(waited, key=grown) if waited else None
        self.waiting = bool(full) and items_left > 0
        self.next_slot = self.binding.reset_in if self.waiting and self.binding else None

    def eta(self, items_left: int) -> float | None:
        """Seconds the limit alone needs for ``items_left`` more requests, if it binds."""
        g = self.binding
        if g is None or g.limit <= 0 or items_left <= g.remaining:
            return None
        windows = math.ceil((items_left - g.remaining) / g.limit)
        return g.reset_in + (windows - 1) * g.window


class ProgressBar:
    """A progress bar for bulk jobs: done / failed / rate / ETA / rate-limit wait.

    Use as a callable ``on_progress`` and close it with :meth:`close`. ``plain=True``,
    rich missing or a stream that is not a terminal print a plain status line to
    ``stream`` every ``interval`` seconds (also between results). With ``rate_status``
    (the client's ``get_rate_limit_status``) the bar ticks every ``tick`` seconds and shows
    rate-limit waits as they happen (see :class:`LimitWatch`).
    """

    def __init__(
        self,
        description: str = "creating runs",
        *,
        stream: TextIO | None = None,
        plain: bool = False,
        interval: float = 2.0,
        rate_status: Callable[[], RateLimitStatus] | None = None,
        tick: float = 0.5,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._description = description
        self._interval = interval
        self._lock = threading.RLock()
        self._last_line = 0.0
        self._last: BulkProgress | None = None
        self._received = 0.0
        self._limit_eta = True  # items are requests (creates), not runs being waited for
        self._rich: Any = None
        self._task: Any = None
        self.limits = LimitWatch(rate_status, time.monotonic()) if rate_status else None
        """What the rate limiter does to the job (``wall_wait``...), given ``rate_status``."""
        if not plain and _is_terminal(self._stream):
            self._rich = _rich_progress(self._stream)
        if self._rich is not None:
            self._rich.start()
        self._ticker: _Ticker | None = None
        if self.limits is not None or self._rich is None:
            self._ticker = _Ticker(self._tick, min(tick, interval))

    @property
    def plain(self) -> bool:
        """Whether the bar prints plain lines (no rich, or not a terminal)."""
        return self._rich is None

    def __call__(self, progress: BulkProgress) -> None:
        with self._lock:
            self._last = progress
            self._received = time.monotonic()
            self._draw(self._received, force=progress.done == progress.total)

    def _tick(self) -> None:
        with self._lock:
            now = time.monotonic()
            if self.limits is not None and self._last is not None:
                self.limits.sample(now, self._last.total - self._last.done)
            self._draw(now, force=False)

    def _draw(self, now: float, *, force: bool) -> None:
        if self._last is None:
            return
        # Between results the job's clock keeps running: the rate falls, the ETA moves.
        p = dataclasses.replace(self._last, elapsed=self._last.elapsed + now - self._received)
        if self._rich is not None:
            fields = _fields(p, self.limits, limit_eta=self._limit_eta)
            # In a terminal line of 80 columns the wait replaces the label while it lasts.
            label = fields["waiting_short"] or self._description
            if self._task is None:
                self._task = self._rich.add_task(label, total=p.total, **fields)
            self._rich.update(self._task, completed=p.done, description=label, **fields)
            return
        if force or now - self._last_line >= self._interval:
            self._last_line = now
            line = _plain_line(self._description, p, self.limits, limit_eta=self._limit_eta)
            self._stream.write(line + "\n")
            self._stream.flush()

    def reset(self, description: str) -> None:
        """Start a new bar (a new phase of the job)."""
        with self._lock:
            if self._rich is not None and self._task is not None:
                self._rich.stop_task(self._task)
            self._task = None
            self._last = None
            self._limit_eta = False
            self._description = description

    def close(self) -> None:
        """Stop drawing (stops the ticker and joins rich's refresh thread)."""
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        with self._lock:
            if self._rich is not None:
                self._rich.stop()
                self._rich = None


class _Ticker:
    """Calls ``fn`` every ``every`` seconds: on the running event loop when there is one
    (so an async client's limiter is read from its own thread), else on a thread."""

    def __init__(self, fn: Callable[[], None], every: float) -> None:
        self._fn = fn
        self._every = every
        self._stop = threading.Event()
        self._handle: Any = None
        self._thread: threading.Thread | None = None
        import asyncio

        try:
            self._loop: Any = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        if self._loop is not None:
            self._handle = self._loop.call_later(every, self._on_loop)
        else:
            self._thread = threading.Thread(target=self._run, name="codegen-progress", daemon=True)
            self._thread.start()

    def _call(self) -> None:
        with contextlib.suppress(Exception):  # a display must never break the job it shows
            self._fn()

    def _on_loop(self) -> None:
        if self._stop.is_set():
            return
        self._call()
        self._handle = self._loop.call_later(self._every, self._on_loop)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            self._call()

    def stop(self) -> None:
        self._stop.set()
        if self._handle is not None:
            self._handle.cancel()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        return False


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 100:
        return f"{value:.0f}s"
    minutes, secs = divmod(round(value), 60)
    return f"{minutes}m{secs:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def _eta(p: BulkProgress, limits: LimitWatch | None, *, limit_eta: bool) -> float | None:
    """The rate-based ETA, or what the rate limit needs for the items left if longer."""
    eta = p.eta
    if limits is not None and limit_eta:
        needed = limits.eta(p.total - p.done)
        if needed is not None and (eta is None or needed > eta):
            eta = needed
    return eta


def _fields(p: BulkProgress, limits: LimitWatch | None, *, limit_eta: bool) -> dict[str, Any]:
    eta = _seconds(_eta(p, limits, limit_eta=limit_eta))
    unknown = f" [yellow]{p.unknown} unknown[/]" if p.unknown else ""
    waiting = _waiting(p, limits)
    waited = _waited(p, limits)
    short = "limiter " + (
        _seconds(limits.wall_wait) if limits is not None else f"{p.rate_limit_wait:.0f}s summed"
    )
    line = f"[red]{p.failed} failed[/]{unknown} {p.rate:.1f}/s ETA {eta} [dim]{short}[/]"
    next_slot = limits.next_slot if limits is not None and waiting else None
    return {
        "failed": p.failed,
        "unknown": p.unknown,
        "rate": f"{p.rate:.1f}/s",
        "eta": eta,
        "waited": waited,
        "waiting": waiting,
        "waiting_short": (
            ""
            if not waiting
            else "[yellow]rate limit[/]"
            if next_slot is None
            else f"[yellow]rate limit: next slot {_seconds(next_slot)}[/]"
        ),
        "line": line,
    }


def _waiting(p: BulkProgress, limits: LimitWatch | None) -> str:
    if limits is None or not limits.waiting or p.done >= p.total:
        return ""
    if limits.next_slot is None:
        return "waiting for rate limit"
    return f"waiting for rate limit, next slot in {limits.next_slot:.0f} s"


def _waited(p: BulkProgress, limits: LimitWatch | None) -> str:
    if limits is not None:
        return f"rate-limit wait {_seconds(limits.wall_wait)}"
    return f"rate-limit wait {p.rate_limit_wait:.1f}s summed over requests"


def _plain_line(
    description: str, p: BulkProgress, limits: LimitWatch | None, *, limit_eta: bool
) -> str:
    f = _fields(p, limits, limit_eta=limit_eta)
    line = (
        f"{description}: {p.done}/{p.total} done, {p.failed} failed, {p.unknown} unknown, "
        f"{f['rate']}, ETA {f['eta']}, {f['waited']}"
    )
    return f"{line}, {f['waiting']}" if f["waiting"] else line


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
