"""Checks of header and query mappings: settings and per-call options (pure, shared)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import CodegenError

__all__ = ["header_map", "query_map"]

# Headers the client sets itself: another value would send the token elsewhere or
# break the framing.
_RESERVED_HEADERS = frozenset({"authorization", "host", "content-length", "transfer-encoding"})
_TOKEN_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


def header_map(name: str, value: Any, error: type[CodegenError]) -> dict[str, str]:
    """Header names (tokens) to printable ASCII values, none of the client's own."""
    if not isinstance(value, Mapping):
        raise error(f"{name} must be a mapping of header names to strings")
    headers: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key or not set(key) <= _TOKEN_CHARS:
            raise error(f"{name}: {key!r:.40} is not a valid header name")
        if key.lower() in _RESERVED_HEADERS:
            raise error(f"{name}: {key} is set by the client itself (the token is api_token)")
        if not isinstance(item, str) or not (item.isascii() and item.isprintable()):
            # The value is not shown: a header may carry a credential.
            raise error(f"{name}: the value of {key} must be printable ASCII")
        headers[key] = item
    return headers


def query_map(name: str, value: Any, error: type[CodegenError]) -> dict[str, Any]:
    """Parameter names to scalars (``None``: left out); booleans become ``true``/``false``."""
    if not isinstance(value, Mapping):
        raise error(f"{name} must be a mapping of parameter names to values")
    query: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise error(f"{name}: parameter names must be non-empty strings")
        if isinstance(item, bool):
            query[key] = "true" if item else "false"
        elif item is None or isinstance(item, str | int | float):
            query[key] = item
        else:
            raise error(
                f"{name}: {key} must be a string, number, boolean or None, "
                f"got {type(item).__name__}"
            )
    return query
