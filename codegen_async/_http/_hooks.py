"""A hook run before each attempt of the creates made in a block (the bulk runners' intent)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._backend import Job

__all__ = ["before_each_send", "before_send_hook"]

_before_send: ContextVar[Job[None] | None] = ContextVar("codegen_before_send", default=None)


@contextlib.contextmanager
def before_each_send(hook: Job[None]) -> Iterator[None]:
    """Run ``hook`` before each attempt of the creates made inside this block (in this
    task or thread), once the attempt's rate-limit slot is taken and just before it may
    leave. The bulk runners record their intent there; the hook may raise to send nothing.
    """
    token = _before_send.set(hook)
    try:
        yield
    finally:
        _before_send.reset(token)


def before_send_hook() -> Job[None] | None:
    """The hook :func:`before_each_send` set for this task or thread, if any."""
    return _before_send.get()
