"""Results, progress snapshots and idempotency markers of bulk jobs (pure, shared).

A bulk create attaches a marker to each run's metadata,
``metadata["codegen_client"] = {"job": <job id>, "key": <item key>}``, so that a create
whose outcome is unknown can be looked up later instead of being sent again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any, Final, Literal

import msgspec

from .errors import (
    APIConnectionError,
    CodegenError,
    DecodeError,
    RateLimitError,
    ServerError,
)
from .models import AgentRun

__all__ = [
    "MARKER_KEY",
    "BulkProgress",
    "BulkResult",
    "BulkStatus",
    "config_key",
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
    """

    index: int
    status: BulkStatus
    data: AgentRun | None = None
    error: BaseException | None = None
    attempts: int = 0
    elapsed: float = 0.0
    key: str | None = None

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
        return f"<BulkResult #{self.index} {self.status} {what} attempts={self.attempts}>"


@dataclasses.dataclass(frozen=True)
class BulkProgress:
    """A snapshot of a running bulk job, passed to ``on_progress`` callbacks.

    ``rate`` is items finished per second so far; ``eta`` the seconds left at that rate
    (``None`` before the first item finishes); ``rate_limit_wait`` the seconds the client
    spent waiting on its rate limiter since the job started.
    """

    total: int
    done: int
    succeeded: int
    failed: int
    unknown: int
    in_flight: int
    elapsed: float
    rate_limit_wait: float

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
