"""Small shared types: the ``NOT_GIVEN`` sentinel (defined in :mod:`..options`) (pure, shared)."""

from __future__ import annotations

from typing import TypeVar

from ..options import NOT_GIVEN, NotGiven

__all__ = ["NOT_GIVEN", "NotGiven", "resolve"]

T = TypeVar("T")


def resolve(value: T | NotGiven, default: T) -> T:
    """``value`` unless it is ``NOT_GIVEN``, else ``default``."""
    return default if isinstance(value, NotGiven) else value
