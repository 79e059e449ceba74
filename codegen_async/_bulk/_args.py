"""Argument and result helpers of the bulk runner (pure, shared by both packages)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from time import monotonic
from typing import Any

from .._http._validate import check_id
from ..errors import ValidationError
from ._types import MARKER_KEY, BulkProgress, BulkResult, new_job_id

__all__ = [
    "CREATE_KEYS",
    "ProgressFn",
    "ResultFn",
    "chain_progress",
    "check_callbacks",
    "check_flag",
    "job_id_or_new",
    "list_configs",
    "list_ids",
    "listed",
    "positive_int",
    "prepare_config",
    "seconds",
    "settle_settings",
    "since",
    "with_changes",
]

CREATE_KEYS = frozenset({"prompt", "metadata", "images", "repo_id", "model", "agent_type"})
ProgressFn = Callable[[BulkProgress], None]
ResultFn = Callable[[BulkResult], None]


def prepare_config(
    config: Mapping[str, Any], job: str, key: str
) -> dict[str, Any] | ValidationError:
    """``create_agent_run`` keyword arguments with the marker added, or the reason not."""
    if not isinstance(config, Mapping):
        return ValidationError(f"each config must be a dict, got {type(config).__name__}")
    unknown = set(config) - CREATE_KEYS
    if unknown:
        return ValidationError(
            f"unknown config keys {sorted(map(str, unknown))}; allowed: {sorted(CREATE_KEYS)}"
        )
    prompt = config.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return ValidationError("each config needs a non-empty string 'prompt'")
    metadata = config.get("metadata")
    if metadata is not None and not isinstance(metadata, Mapping):
        return ValidationError(f"metadata must be a dict, got {type(metadata).__name__}")
    kwargs = dict(config)
    kwargs["metadata"] = {**(metadata or {}), MARKER_KEY: {"job": job, "key": key}}
    return kwargs


def list_configs(configs: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return listed(configs, "configs")


def listed(values: Any, name: str) -> list[Any]:
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise ValidationError(f"{name} must be a list (or another iterable) of items")
    return list(values)


def list_ids(run_ids: Iterable[int]) -> list[int | ValidationError]:
    out: list[int | ValidationError] = []
    for value in listed(run_ids, "run_ids"):
        try:
            out.append(check_id("run_id", value))
        except ValidationError as exc:
            out.append(exc)
    return out


def job_id_or_new(job_id: str | None) -> str:
    if job_id is None:
        return new_job_id()
    if not isinstance(job_id, str) or not job_id or len(job_id) > 64:
        raise ValidationError("job_id must be a non-empty string of at most 64 characters")
    return job_id


def positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"{name} must be a positive integer, got {value!r}")
    return value


def since(started: float) -> float:
    return monotonic() - started


def with_changes(result: BulkResult, **changes: Any) -> BulkResult:
    import dataclasses

    return dataclasses.replace(result, **changes)


def chain_progress(*callbacks: ProgressFn | None) -> ProgressFn | None:
    active = [c for c in callbacks if c is not None]
    if not active:
        return None

    def call(progress: BulkProgress) -> None:
        for c in active:
            c(progress)

    return call


def check_callbacks(**callbacks: Any) -> None:
    for name, callback in callbacks.items():
        if callback is not None and not callable(callback):
            raise ValidationError(f"{name} must be callable, got {type(callback).__name__}")


def check_flag(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be True or False, got {value!r}")


def seconds(name: str, value: Any) -> float:
    """``value`` as a number of seconds (>= 0), or a :class:`ValidationError`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e9:
        raise ValidationError(f"{name} must be a number of seconds >= 0, got {value!r}")
    return float(value)


def settle_settings(
    timeout: float, reconcile_grace: float | None, clock_skew: float, resend_unknown: Any
) -> tuple[float, float, bool]:
    """How a bulk runner settles unknown outcomes, checked: the grace period (default
    twice the client's ``timeout``), the clock-skew margin, and ``resend_unknown``."""
    grace = 2 * timeout if reconcile_grace is None else reconcile_grace
    check_flag("resend_unknown", resend_unknown)
    return seconds("reconcile_grace", grace), seconds("clock_skew", clock_skew), resend_unknown
