"""Argument checks that run before any request is sent (pure, shared).

Each raises :class:`~codegen_async.errors.ValidationError` naming the argument.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from ..errors import ValidationError
from ..models import ACTIVE_STATUSES, PAUSED_STATUSES, TERMINAL_STATUSES, PRState, SourceType

__all__ = [
    "check_bool",
    "check_count",
    "check_id",
    "check_json",
    "check_optional_str",
    "check_page",
    "check_positive",
    "check_pr_state",
    "check_prompt",
    "check_skip_limit",
    "check_source_type",
    "check_str_list",
    "check_str_map",
    "check_timeout",
    "normalize_statuses",
    "resolve_org",
]

_KNOWN_STATUSES = TERMINAL_STATUSES | ACTIVE_STATUSES | PAUSED_STATUSES
# The API documentation's spellings mapped onto what the API sends.
_STATUS_ALIASES = {"COMPLETED": "COMPLETE", "CANCELED": "CANCELLED", "FAILURE": "FAILED"}


def resolve_org(org_id: int | None, configured: int | None) -> int:
    """The given org id, else the configured one; never a silent default."""
    if type(org_id) is int and org_id > 0:  # the common case, checked in one step
        return org_id
    if org_id is None:
        org_id = configured
        if org_id is None:
            raise ValidationError(
                "org_id is required: pass it, or set CodegenConfig(org_id=...) "
                "or the CODEGEN_ORG_ID environment variable"
            )
    return check_id("org_id", org_id)


def check_id(name: str, value: Any) -> int:
    """A positive integer id."""
    if type(value) is int and value > 0:  # the common case, checked in one step
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        hint = ""
        if name == "org_id" and isinstance(value, str):
            # create_agent_run("Fix the bug"): the prompt landed in the first parameter.
            hint = (
                ": the first positional argument is the organization id; pass text as "
                "prompt=..., e.g. create_agent_run(prompt='...') (org_id defaults to "
                "CodegenConfig(org_id=...) or CODEGEN_ORG_ID)"
            )
        raise ValidationError(f"{name} must be an integer, got {type(value).__name__}{hint}")
    if value <= 0:
        raise ValidationError(f"{name} must be a positive integer, got {value}")
    return value


def check_prompt(value: Any, name: str = "prompt") -> str:
    """A non-empty string."""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValidationError(f"{name} must not be empty")
    return value


def check_page(page: Any, per_page: Any) -> tuple[int, int]:
    """``page`` >= 1 and ``per_page`` in 1..100; returns ``(skip, limit)``."""
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ValidationError(f"page must be an integer >= 1, got {page!r}")
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= 100:
        raise ValidationError(f"per_page must be an integer from 1 to 100, got {per_page!r}")
    return (page - 1) * per_page, per_page


def check_skip_limit(skip: Any, limit: Any) -> tuple[int, int]:
    """``skip`` >= 0 and ``limit`` in 1..100."""
    if isinstance(skip, bool) or not isinstance(skip, int) or skip < 0:
        raise ValidationError(f"skip must be an integer >= 0, got {skip!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100:
        raise ValidationError(f"limit must be an integer from 1 to 100, got {limit!r}")
    return skip, limit


def check_bool(name: str, value: Any) -> bool:
    """``True`` or ``False`` (not a truthy string such as ``"no"``)."""
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be True or False, got {value!r:.40}")
    return value


def check_timeout(value: Any) -> float:
    """A per-call ``timeout``: a positive, finite number of seconds."""
    seconds = check_positive("timeout", value)
    if seconds == math.inf:
        raise ValidationError("timeout must be a positive number, got inf")
    return seconds


def check_positive(name: str, value: Any) -> float:
    """A number > 0 (seconds); NaN and booleans are refused."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValidationError(f"{name} must be a positive number, got {value!r:.40}")
    return float(value)


def check_count(name: str, value: Any) -> int:
    """An integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{name} must be a non-negative integer, got {value!r:.40}")
    return value


def check_json(name: str, value: Any) -> Any:
    """A value that serialises to JSON (metadata, settings)."""
    try:
        msgspec.json.encode(value)
    except (TypeError, msgspec.EncodeError, OverflowError, ValueError) as exc:
        raise ValidationError(f"{name} must be JSON-serialisable: {exc}") from None
    except RecursionError:  # a structure that contains itself
        raise ValidationError(f"{name} must be JSON-serialisable: it nests too deeply") from None
    return value


def check_str_map(name: str, value: Any, kind: type) -> dict[str, Any]:
    """A dict from strings to ``kind`` values (``int`` ones must be >= 0)."""
    if not isinstance(value, Mapping):
        raise ValidationError(f"{name} must be a dict, got {type(value).__name__}")
    for key, item in value.items():
        ok = isinstance(item, kind) and not isinstance(item, bool)
        if not isinstance(key, str) or not ok or (kind is int and item < 0):
            want = "non-negative integers" if kind is int else "strings"
            raise ValidationError(
                f"{name} must map strings to {want}, got {key!r:.40}: {item!r:.40}"
            )
    return dict(value)


def check_optional_str(name: str, value: Any) -> str | None:
    """``None`` or a string."""
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, got {type(value).__name__}")
    return value


def check_str_list(name: str, value: Any) -> list[str]:
    """A list of strings (``images``, check names)."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ValidationError(f"{name} must be a list of strings")
    items = list(value)
    if not all(isinstance(v, str) for v in items):
        raise ValidationError(f"{name} must be a list of strings")
    return items


def check_source_type(value: Any) -> str | None:
    """``None`` or a known ``SourceType`` value (case-insensitive)."""
    if value is None:
        return None
    if not isinstance(value, str) or value.upper() not in SourceType.ALL:
        raise ValidationError(
            f"source_type must be one of {', '.join(sorted(SourceType.ALL))}, got {value!r}"
        )
    return value.upper()


def check_pr_state(value: Any) -> str:
    """One of ``open``, ``closed``, ``draft``, ``ready_for_review``."""
    if not isinstance(value, str) or value.lower() not in PRState.ALL:
        raise ValidationError(
            f"state must be one of {', '.join(sorted(PRState.ALL))}, got {value!r}"
        )
    return value.lower()


def normalize_statuses(status: str | Iterable[str] | None) -> frozenset[str] | None:
    """Status filter values, upper-cased, with the docs' spellings mapped (``completed``)."""
    if status is None:
        return None
    if not isinstance(status, str) and (
        isinstance(status, bytes | Mapping) or not isinstance(status, Iterable)
    ):
        raise ValidationError(f"status must be a string or a list of strings, got {status!r:.40}")
    values = [status] if isinstance(status, str) else list(status)
    result = set()
    for value in values:
        if not isinstance(value, str):
            raise ValidationError(f"status must be a string, got {type(value).__name__}")
        upper = _STATUS_ALIASES.get(value.strip().upper(), value.strip().upper())
        if upper not in _KNOWN_STATUSES:
            raise ValidationError(
                f"unknown status {value!r}; known: {', '.join(sorted(_KNOWN_STATUSES))}"
            )
        result.add(upper)
        if upper == "COMPLETE":
            result.add("COMPLETED")
    return frozenset(result)
