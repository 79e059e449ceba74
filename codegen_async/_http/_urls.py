"""URL helpers of the request pipeline (pure, shared by both clients)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus, urljoin

__all__ = ["encode_query", "join", "origin", "safe_url"]


def encode_query(query: Mapping[str, Any]) -> str:
    """``urllib.parse.urlencode`` of the items that are not None, for a fraction of its CPU.

    Keys are this package's own parameter names, which need no quoting; an int is written
    as is, any other value quoted as ``urlencode`` quotes it.
    """
    parts = []
    for key, value in query.items():
        if value is None:
            continue
        if type(value) is int:  # not a bool: urlencode writes True as "True"
            parts.append(f"{key}={value}")
        elif isinstance(value, bytes):
            parts.append(f"{key}={quote_plus(value)}")
        else:
            parts.append(f"{key}={quote_plus(str(value))}")
    return "&".join(parts)


def safe_url(url: str) -> str:
    """The URL without userinfo (URLs never carry the token, but a base URL might)."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest.split("/", 1)[0]:
        rest = rest.split("@", 1)[1]
    return scheme + sep + rest


def origin(url: str) -> str:
    """``scheme://host:port`` in lower case: a redirect off it drops the token."""
    scheme, _, rest = url.partition("://")
    return scheme.lower() + "://" + rest.split("/", 1)[0].lower()


def join(base: str, location: str) -> str:
    """``location`` resolved against ``base`` (a redirect's target)."""
    return urljoin(base, location)
