"""The results of a shared bulk job, from its ledger and its audit (pure, shared).

The ledger says what each worker recorded; the audit (every run carrying the job's
markers) says what the server holds. Results come from the first and are corrected
by the second, as the single-process runner's are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from ..errors import CodegenError, OutcomeUnknownError
from ..models import AgentRun
from ._types import BulkAudit, BulkResult, audited, config_key, describe_error

__all__ = ["apply_audit", "from_ledger", "record_of"]


def record_of(result: BulkResult, worker: str) -> dict[str, Any]:
    """The ledger's record of ``result`` (plain data)."""
    return {
        "status": result.status,
        "run": msgspec.to_builtins(result.data) if result.data is not None else None,
        "error": describe_error(result.error),
        "worker": worker,
        "attempts": result.attempts,
    }


def from_ledger(
    inputs: Sequence[Mapping[str, Any]],
    records: Mapping[str, Mapping[str, Any]],
    sent: Mapping[str, object],
) -> list[BulkResult]:
    """One result per input: recorded; ``"unknown"`` sent without a record (a worker
    holds it, or died with it); ``"cancelled"`` never sent."""
    out = []
    for index, config in enumerate(inputs):
        key = config_key(index, config)
        rec = records.get(key)
        if rec is None:
            if key in sent:
                pending = OutcomeUnknownError("sent; its outcome is not recorded yet")
                out.append(BulkResult(index, "unknown", None, pending, key=key))
            else:
                out.append(BulkResult(index, "cancelled", key=key))
            continue
        run = _run(rec.get("run"))
        error = CodegenError(rec["error"]) if rec.get("error") else None
        attempts = rec.get("attempts", 0)
        status = rec.get("status", "unknown")
        out.append(BulkResult(index, status, run, error, attempts, 0.0, key))
    return out


def apply_audit(results: Sequence[BulkResult], audit: BulkAudit) -> list[BulkResult]:
    """``results`` corrected from what the server holds (see :func:`audited`)."""
    return [audited(r, audit) for r in results]


def _run(raw: Any) -> AgentRun | None:
    if not raw:
        return None
    try:
        return msgspec.convert(raw, AgentRun)
    except msgspec.ValidationError:
        return None
