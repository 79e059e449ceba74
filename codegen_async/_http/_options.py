"""Per-call options, checked before anything is sent (pure, shared by both clients)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from .._params import header_map, query_map
from ..errors import ValidationError
from ._types import NOT_GIVEN, NotGiven
from ._validate import check_count, check_json, check_timeout

__all__ = ["CallOptions", "merge_body", "read_options"]

_KEYS = ("timeout", "max_retries", "extra_headers", "extra_query", "extra_body")
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


class CallOptions(msgspec.Struct, frozen=True):
    """The options of one call, checked."""

    timeout: float | NotGiven = NOT_GIVEN
    max_retries: int | NotGiven = NOT_GIVEN
    headers: dict[str, str] | None = None
    query: dict[str, Any] | None = None
    body: dict[str, Any] | None = None


def read_options(options: Mapping[str, Any]) -> CallOptions:
    """Check a method's ``**options`` (see :class:`~codegen_async.options.RequestOptions`)."""
    unknown = [k for k in options if k not in _KEYS]
    if unknown:
        raise ValidationError(
            f"unexpected keyword argument(s) {', '.join(map(repr, unknown))}; "
            f"the per-call options are {', '.join(_KEYS)}"
        )
    timeout = options.get("timeout", NOT_GIVEN)
    retries = options.get("max_retries", NOT_GIVEN)
    headers = options.get("extra_headers")
    query = options.get("extra_query")
    body = options.get("extra_body")
    return CallOptions(
        timeout=NOT_GIVEN if timeout is NOT_GIVEN else check_timeout(timeout),
        max_retries=NOT_GIVEN if retries is NOT_GIVEN else check_count("max_retries", retries),
        headers=header_map("extra_headers", headers, ValidationError) if headers else None,
        query=query_map("extra_query", query, ValidationError) if query else None,
        body=_check_body(body) if body is not None else None,
    )


def _check_body(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ValidationError("extra_body must be a mapping with string keys")
    return dict(check_json("extra_body", value))


def merge_body(method: str, body: bytes | None, extra: dict[str, Any]) -> bytes:
    """``body`` (a JSON object) with ``extra``'s fields on top."""
    if method == "GET":
        raise ValidationError("extra_body: a GET request has no body")
    fields = _decode(body) if body is not None else {}
    if not isinstance(fields, dict):  # every body this client sends is an object
        raise ValidationError("extra_body: this call's body is not a JSON object")
    fields.update(extra)
    return _encode(fields)
