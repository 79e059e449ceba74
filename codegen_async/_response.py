"""The raw HTTP response handed from the seam to the transport (pure, shared)."""

from __future__ import annotations

__all__ = ["RawResponse"]


class RawResponse:
    """Status, lower-cased headers and the full body of one HTTP exchange."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:
        return f"<RawResponse {self.status} {len(self.body)} bytes>"
