"""Small shared types: the ``NOT_GIVEN`` sentinel for per-call overrides (pure, shared)."""

from __future__ import annotations

from typing import Final, Literal, TypeVar

__all__ = ["NOT_GIVEN", "NotGiven", "resolve"]

T = TypeVar("T")


class NotGiven:
    """The type of :data:`NOT_GIVEN`: an argument left out, as opposed to ``None``."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


def resolve(value: T | NotGiven, default: T) -> T:
    """``value`` unless it is ``NOT_GIVEN``, else ``default``."""
    return default if isinstance(value, NotGiven) else value
