"""The raw HTTP response handed from the seam to the transport (pure, shared)."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

__all__ = ["RawResponse", "lower_headers"]


# A Struct, not a class with __init__: made once per request, in C, and not tracked by
# the garbage collector (it holds no cycles).
class RawResponse(msgspec.Struct, gc=False):
    """Status, headers (the HTTP library's own case-insensitive mapping, not copied) and
    the full body of one HTTP exchange."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def __repr__(self) -> str:
        return f"<RawResponse {self.status} {len(self.body)} bytes>"


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A plain copy of response headers, names lower-cased (repeated ones joined)."""
    copy: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        copy[key] = f"{copy[key]}, {value}" if key in copy else value
    return copy
