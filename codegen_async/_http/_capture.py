"""Raw-response capture: what ``client.with_raw_response`` asks the transport to keep."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._response import RawResponse

__all__ = ["Capture", "capture_responses", "current_capture"]


class Capture:
    """The last answer of the call made inside :func:`capture_responses` (filled by the
    transport once the call succeeds)."""

    __slots__ = ("attempts", "body", "elapsed", "from_cache", "headers", "method", "status", "url")

    def __init__(self) -> None:
        self.status = 0
        self.headers: Mapping[str, str] = {}
        self.body = b""
        self.method = ""
        self.url = ""
        self.elapsed = 0.0
        self.attempts = 0
        self.from_cache = False

    def fill(
        self,
        response: RawResponse,
        method: str,
        url: str,
        elapsed: float,
        *,
        attempts: int,
        cached: bool = False,
    ) -> None:
        """Keep one call's answer (``url`` already safe to show)."""
        self.status = response.status
        self.headers = response.headers
        self.body = response.body
        self.method = method
        self.url = url
        self.elapsed = elapsed
        self.attempts = attempts
        self.from_cache = cached


_current: ContextVar[Capture | None] = ContextVar("codegen_capture", default=None)


@contextlib.contextmanager
def capture_responses() -> Iterator[Capture]:
    """Keep the raw answer of the calls made in this block (in this task or thread)."""
    capture = Capture()
    token = _current.set(capture)
    try:
        yield capture
    finally:
        _current.reset(token)


# The capture of the enclosing capture_responses() block, if any (the context variable's
# own C method: the transport asks on every call).
current_capture = _current.get
