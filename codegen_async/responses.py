"""Raw HTTP answers, for ``client.with_raw_response`` (pure, shared by both clients)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec

__all__ = ["APIResponse"]

T = TypeVar("T")


class APIResponse(Generic[T]):
    """The HTTP answer of one API call, beside the value the method returns.

    ``client.with_raw_response.get_agent_run(run_id=42)`` returns one of these instead
    of the :class:`~codegen_async.models.AgentRun`; :meth:`parse` gives the run.

    Attributes:
        status_code: The HTTP status (200 for an answer served from the cache).
        headers: Every response header, names lower-cased, a repeated one's values
            comma-joined (none from the cache).
        content: The body, decoded from any transfer compression.
        method / url: The request (the URL without credentials).
        elapsed: Seconds from the call's start to its answer, retries and rate-limit
            waits included (0 for the cache).
        attempts: HTTP attempts the call took (0 for the cache).
        from_cache: Whether the client's cache answered.
    """

    __slots__ = (
        "_value",
        "attempts",
        "content",
        "elapsed",
        "from_cache",
        "headers",
        "method",
        "status_code",
        "url",
    )

    def __init__(
        self,
        value: T,
        *,
        status_code: int,
        headers: dict[str, str],
        content: bytes,
        method: str,
        url: str,
        elapsed: float,
        attempts: int,
        from_cache: bool,
    ) -> None:
        self._value = value
        self.status_code = status_code
        self.headers = dict(headers)
        self.content = content
        self.method = method
        self.url = url
        self.elapsed = elapsed
        self.attempts = attempts
        self.from_cache = from_cache

    @property
    def request_id(self) -> str | None:
        """The server's ``x-request-id``, to quote in a support request."""
        return self.headers.get("x-request-id")

    @property
    def text(self) -> str:
        """The body as text (UTF-8, undecodable bytes replaced)."""
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as plain JSON data (dicts, lists...)."""
        return msgspec.json.decode(self.content)

    def parse(self) -> T:
        """The value the method returns (a model, a page...), decoded and checked."""
        return self._value

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] {self.method} {self.url}>"
