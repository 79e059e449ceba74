"""Argument checks that run before any request is sent (pure, shared).

Each raises :class:`~codegen_async.errors.ValidationError` naming the argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from .errors import ValidationError
from .models import ACTIVE_STATUSES, PAUSED_STATUSES, TERMINAL_STATUSES, PRState, SourceType

__all__ = [
    "check_id",
    "check_json",
    "check_page",
    "check_pr_state",
    "check_prompt",
    "check_skip_limit",
    "check_source_type",
    "check_str_list",
    "normalize_statuses",
]

_KNOWN_STATUSES = TERMINAL_STATUSES | ACTIVE_STATUSES | PAUSED_STATUSES
# The docs' spellings (API.md section 6) mapped onto what the API sends.
_STATUS_ALIASES = {"COMPLETED": "COMPLETE", "CANCELED": "CANCELLED", "FAILURE": "FAILED"}


def check_id(name: str, value: Any) -> int:
    """A positive integer id."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be an integer, got {type(value).__name__}")
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


def check_json(name: str, value: Any) -> Any:
    """A value that serialises to JSON (metadata, settings)."""
    try:
        msgspec.json.encode(value)
    except (TypeError, msgspec.EncodeError, OverflowError, ValueError) as exc:
        raise ValidationError(f"{name} must be JSON-serialisable: {exc}") from None
    return value


def check_str_list(name: str, value: Any) -> list[str]:
    """A list of strings (``images``, check names)."""
    if isinstance(value, str) or not isinstance(value, Iterable):
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
