"""Results, progress snapshots and idempotency markers of bulk jobs (pure, shared).

A bulk create attaches a marker to each run's metadata,
``metadata["codegen_client"] = {"job": <job id>, "key": <item key>}``, so that a create
whose outcome is unknown can be looked up later instead of being sent again.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import msgspec

from ..errors import (
    APIConnectionError,
    CodegenError,
    DecodeError,
    RateLimitError,
    ServerError,
)
from ..models import AgentRun

__all__ = [
    "MARKER_KEY",
    "BulkAudit",
    "BulkProgress",
    "BulkResult",
    "BulkStatus",
    "JobOrigin",
    "audited",
    "config_key",
    "created_at_utc",
    "describe_error",
    "is_retryable_create_error",
    "is_unknown_create_error",
    "marker_of",
    "new_job_id",
]

MARKER_KEY: Final = "codegen_client"
"""The metadata key the bulk runner claims for its idempotency marker."""

BulkStatus = Literal["created", "reconciled", "succeeded", "failed", "unknown", "cancelled"]
_SUCCESS = frozenset({"created", "reconciled", "succeeded"})


@dataclasses.dataclass
class BulkResult:
    """The outcome of one item of a bulk job; one per input, in input order.

    Attributes:
        index: Position of the item in the input.
        status: ``"created"`` (the run was created), ``"reconciled"`` (its create had an
            unknown outcome and the run was found afterwards), ``"succeeded"`` (a bulk
            get or resume), ``"failed"`` (``error`` says why; nothing was created),
            ``"unknown"`` (the create may or may not have gone through and could not be
            reconciled), or ``"cancelled"`` (the job stopped before the item was sent).
        data: The agent run, when there is one.
        error: The typed exception of a failed or unknown item.
        attempts: Requests the runner made for this item (reconciliation lookups excluded).
        elapsed: Seconds from the item's first attempt to its result.
        key: The item's idempotency key (bulk creates only).
        duplicates: Ids of further runs the job's audit found for this input besides
            ``data`` (a create the server acted on more than once); empty when the
            input has at most one run.
    """

    index: int
    status: BulkStatus
    data: AgentRun | None = None
    error: BaseException | None = None
    attempts: int = 0
    elapsed: float = 0.0
    key: str | None = None
    duplicates: tuple[int, ...] = ()

    @property
    def success(self) -> bool:
        """True when the item produced its run (created, reconciled or succeeded)."""
        return self.status in _SUCCESS

    @property
    def outcome_unknown(self) -> bool:
        """True when a create may have gone through but the runner could not confirm it."""
        return self.status == "unknown"

    def __repr__(self) -> str:
        what = f"run={self.data.id}" if self.data is not None else f"error={self.error!r}"
        extra = f" duplicates={list(self.duplicates)}" if self.duplicates else ""
        return f"<BulkResult #{self.index} {self.status} {what} attempts={self.attempts}{extra}>"


@dataclasses.dataclass(frozen=True)
class BulkProgress:
    """A snapshot of a running bulk job, passed to ``on_progress`` callbacks.

    ``rate`` is items finished per second so far; ``eta`` the seconds left at that rate
    (``None`` before the first item finishes); ``rate_limit_wait`` the seconds the client's
    requests spent waiting on its rate limiter since the job started, summed over requests
    (ten requests waiting 30 s together count 300 s); ``rate_limit_wall_wait`` the wall
    time during which the job had items left and the limiter no free slot (30 s there).
    """

    total: int
    done: int
    succeeded: int
    failed: int
    unknown: int
    in_flight: int
    elapsed: float
    rate_limit_wait: float
    rate_limit_wall_wait: float = 0.0

    @property
    def rate(self) -> float:
        """Items finished per second."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate, or ``None`` if unknown."""
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 else None


def new_job_id() -> str:
    """A fresh, random job id (12 hex digits)."""
    return secrets.token_hex(6)


def config_key(index: int, config: Mapping[str, Any]) -> str:
    """A stable key of one input: its position plus a digest of its canonical JSON.

    The position keeps two identical prompts apart; the digest notices an edited file.
    """
    try:
        canonical = msgspec.json.encode(config, order="sorted")
    except (TypeError, msgspec.EncodeError):
        canonical = repr(sorted(config.items(), key=lambda kv: str(kv[0]))).encode()
    return f"{index}-{hashlib.sha256(canonical).hexdigest()[:16]}"


def marker_of(run: AgentRun) -> tuple[str, str] | None:
    """The ``(job, key)`` marker the bulk runner attached to ``run``, if any."""
    meta = run.metadata
    if not isinstance(meta, dict):
        return None
    marker = meta.get(MARKER_KEY)
    if not isinstance(marker, dict):
        return None
    job, key = marker.get("job"), marker.get("key")
    if isinstance(job, str) and isinstance(key, str):
        return job, key
    return None


def is_unknown_create_error(exc: BaseException) -> bool:
    """Whether a failed create may nevertheless have created the run.

    No answer after sending (timeouts, dropped connections), a 5xx other than 503
    (a 503 is "not processed"), and an unreadable 2xx body all leave the outcome open.
    """
    if isinstance(exc, ServerError):
        return exc.status_code != 503
    if isinstance(exc, APIConnectionError):
        return exc.request_sent
    return isinstance(exc, DecodeError)


def is_retryable_create_error(exc: BaseException) -> bool:
    """Whether a create certainly did nothing and may be sent again (429, 503, refused)."""
    if isinstance(exc, RateLimitError):
        return True
    if isinstance(exc, ServerError):
        return exc.status_code == 503
    return isinstance(exc, APIConnectionError) and not exc.request_sent


def describe_error(exc: BaseException | None) -> str:
    """A one-line description of an error for summaries (class name and message)."""
    if exc is None:
        return ""
    message = exc.message if isinstance(exc, CodegenError) else str(exc)
    return f"{type(exc).__name__}: {message}"


def created_at_utc(run: AgentRun) -> _dt.datetime | None:
    """``run.created_at`` as a naive UTC datetime (the server's clock), if known."""
    value = run.created_at
    if not isinstance(value, _dt.datetime):
        return None
    if value.tzinfo is None:
        return value
    return value.astimezone(_dt.timezone.utc).replace(tzinfo=None)


@dataclasses.dataclass(frozen=True)
class JobOrigin:
    """Where a bulk job starts in the server's list of runs, stored durably with the job.

    Every search for the job's runs (reconciliation, audit) scans the token's runs newest
    first back to this point, however long ago the job started and however many other
    runs came after it.

    Attributes:
        started_at: The client's UTC clock just before the job's first create.
        anchor: Server creation time of the newest run of this token that existed
            before the job's first create (``None``: there was none).
        anchored: Whether ``anchor`` could be read; if not, the search falls back to
            ``started_at`` minus a clock-skew margin.
    """

    started_at: _dt.datetime
    anchor: _dt.datetime | None
    anchored: bool

    def cutoff(self, clock_skew: float) -> _dt.datetime | None:
        """Server time before which no run of the job can exist (``None``: search all)."""
        if self.anchored:
            return self.anchor
        return self.started_at - _dt.timedelta(seconds=clock_skew)

    def dict(self) -> dict[str, Any]:
        """Plain data for a job file or a ledger."""
        return {
            "started_at": self.started_at.isoformat(),
            "anchor": self.anchor.isoformat() if self.anchor is not None else None,
            "anchored": self.anchored,
        }

    @classmethod
    def from_dict(cls, data: Any) -> JobOrigin | None:
        """The origin stored by :meth:`dict`, or ``None`` if ``data`` is not one."""
        if not isinstance(data, dict):
            return None
        try:
            started = _dt.datetime.fromisoformat(data["started_at"])
            anchor = data.get("anchor")
            return cls(
                started,
                _dt.datetime.fromisoformat(anchor) if anchor is not None else None,
                data.get("anchored") is True,
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclasses.dataclass(frozen=True)
class BulkAudit:
    """What the server holds for one bulk create job: the runs carrying its markers.

    The summary of a job comes from here, not from what the runner believes: per input,
    created once, created more than once (with every run id, so the extras can be
    stopped), or never created.

    Attributes:
        job_id: The job.
        keys: The inputs' keys, in input order.
        runs: The runs found, by input key (oldest first).
        complete: Whether the search reached back to the job's origin; when not,
            ``reason`` says why and an input without a run may still have one.
        reason: Why the search is incomplete (empty when complete).
    """

    job_id: str
    keys: tuple[str, ...]
    runs: Mapping[str, tuple[AgentRun, ...]]
    complete: bool
    reason: str = ""

    def runs_of(self, index: int) -> tuple[AgentRun, ...]:
        """The runs of input ``index``."""
        return self.runs.get(self.keys[index], ())

    @property
    def created_once(self) -> list[int]:
        """Inputs with exactly one run."""
        return [i for i in range(len(self.keys)) if len(self.runs_of(i)) == 1]

    @property
    def duplicated(self) -> dict[int, list[int]]:
        """Inputs with more than one run, with every run id."""
        return {
            i: [r.id for r in runs]
            for i in range(len(self.keys))
            if len(runs := self.runs_of(i)) > 1
        }

    @property
    def never_created(self) -> list[int]:
        """Inputs without a run (certain only when ``complete``)."""
        return [i for i in range(len(self.keys)) if not self.runs_of(i)]

    @property
    def ok(self) -> bool:
        """Complete and without duplicates."""
        return self.complete and not self.duplicated

    def dict(self) -> dict[str, Any]:
        """A summary as plain data (run ids, not runs)."""
        return {
            "job": self.job_id,
            "complete": self.complete,
            "reason": self.reason,
            "inputs": len(self.keys),
            "created_once": len(self.created_once),
            "duplicated": {str(i): ids for i, ids in self.duplicated.items()},
            "never_created": self.never_created,
        }

    @classmethod
    def build(
        cls,
        job_id: str,
        keys: Sequence[str],
        found: Mapping[str, Sequence[AgentRun]],
        complete: bool,
        reason: str = "",
    ) -> BulkAudit:
        """An audit from a search's findings (runs sorted oldest first, keys of the job)."""
        wanted = set(keys)
        runs = {k: tuple(sorted(v, key=lambda r: r.id)) for k, v in found.items() if k in wanted}
        return cls(job_id, tuple(keys), runs, complete, reason)


def audited(result: BulkResult, audit: BulkAudit) -> BulkResult:
    """``result`` corrected from what the server holds: an input found after all is
    ``"reconciled"``; further runs of an input are listed in ``duplicates``."""
    runs = audit.runs_of(result.index)
    if not runs:
        return result
    changes: dict[str, Any] = {}
    if result.status in ("unknown", "failed", "cancelled"):
        # Found after all (a server that acted late): it exists, once or more.
        changes.update(status="reconciled", data=runs[0], error=None)
    kept = changes.get("data", result.data)
    extra = tuple(r.id for r in runs if kept is None or r.id != kept.id)
    if extra != result.duplicates:
        changes["duplicates"] = extra
    return dataclasses.replace(result, **changes) if changes else result
