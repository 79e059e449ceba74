"""Request validation answering as FastAPI (pydantic v2) does: 422 ``{"detail": [...]}``.

Only the handful of types the spec uses are implemented: int (with bounds), str, bool,
enums/literals, list[str], and dicts. Errors of path, query and body are collected together,
as FastAPI collects them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

__all__ = ["Errors", "Field", "validate_body"]

Error = dict[str, Any]

_INT_TYPE = "Input should be a valid integer"
_INT_PARSING = "Input should be a valid integer, unable to parse string as an integer"
_BOOL_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_BOOL_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})
_decode = msgspec.json.Decoder().decode


def _expected(choices: Sequence[str]) -> str:
    quoted = [f"'{c}'" for c in choices]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


class Errors(list[Error]):
    """Validation errors collected for one request."""

    def add(self, kind: str, loc: Sequence[str | int], msg: str, value: Any, **ctx: Any) -> None:
        """Record an error in pydantic's shape."""
        error: Error = {"type": kind, "loc": list(loc), "msg": msg, "input": value}
        if ctx:
            error["ctx"] = ctx
        self.append(error)

    def missing(self, loc: Sequence[str | int], value: Any = None) -> None:
        """Record a missing required value."""
        self.add("missing", loc, "Field required", value)

    # -- scalars --------------------------------------------------------------------------

    def int_value(
        self,
        loc: Sequence[str | int],
        value: Any,
        ge: int | None = None,
        le: int | None = None,
    ) -> int | None:
        """Coerce ``value`` to int as pydantic's lax mode does; check bounds."""
        result: int
        if isinstance(value, bool):
            result = int(value)
        elif isinstance(value, int):
            result = value
        elif isinstance(value, float):
            if not value.is_integer():
                self.add(
                    "int_from_float",
                    loc,
                    "Input should be a valid integer, got a number with a fractional part",
                    value,
                )
                return None
            result = int(value)
        elif isinstance(value, str):
            try:
                result = int(value.strip())
            except ValueError:
                self.add("int_parsing", loc, _INT_PARSING, value)
                return None
        else:
            self.add("int_type", loc, _INT_TYPE, value)
            return None
        if ge is not None and result < ge:
            self.add(
                "greater_than_equal",
                loc,
                f"Input should be greater than or equal to {ge}",
                value,
                ge=ge,
            )
            return None
        if le is not None and result > le:
            self.add(
                "less_than_equal", loc, f"Input should be less than or equal to {le}", value, le=le
            )
            return None
        return result

    def str_value(self, loc: Sequence[str | int], value: Any) -> str | None:
        """Accept only strings (pydantic does not coerce numbers to str)."""
        if isinstance(value, str):
            return value
        self.add("string_type", loc, "Input should be a valid string", value)
        return None

    def bool_value(self, loc: Sequence[str | int], value: Any) -> bool | None:
        """Coerce a query-string or JSON value to bool."""
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in _BOOL_TRUE:
                return True
            if lowered in _BOOL_FALSE:
                return False
            self.add(
                "bool_parsing",
                loc,
                "Input should be a valid boolean, unable to interpret input",
                value,
            )
            return None
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        self.add("bool_type", loc, "Input should be a valid boolean", value)
        return None

    def enum_value(
        self, loc: Sequence[str | int], value: Any, choices: Sequence[str], literal: bool = False
    ) -> str | None:
        """Accept one of ``choices``."""
        if isinstance(value, str) and value in choices:
            return value
        expected = _expected(choices)
        self.add(
            "literal_error" if literal else "enum",
            loc,
            f"Input should be {expected}",
            value,
            expected=expected,
        )
        return None

    # -- requests -------------------------------------------------------------------------

    def path_int(self, match_info: Mapping[str, str], name: str) -> int | None:
        """An integer path parameter."""
        return self.int_value(("path", name), match_info[name])

    def query_int(
        self,
        query: Mapping[str, str],
        name: str,
        default: int | None,
        *,
        ge: int | None = None,
        le: int | None = None,
        required: bool = False,
    ) -> int | None:
        """An integer query parameter (``None`` if absent and no default)."""
        raw = query.get(name)
        if raw is None:
            if required:
                self.missing(("query", name))
            return default
        return self.int_value(("query", name), raw, ge, le)

    def page(self, query: Mapping[str, str]) -> tuple[int, int]:
        """The ``skip`` (>= 0, default 0) and ``limit`` (1..100, default 100) parameters."""
        skip = self.query_int(query, "skip", 0, ge=0)
        limit = self.query_int(query, "limit", 100, ge=1, le=100)
        return skip or 0, limit or 100


@dataclass(frozen=True)
class Field:
    """One field of a request-body model."""

    name: str
    kind: str
    """``int``, ``str``, ``list_str``, ``dict``, ``dict_str_int``, ``dict_str_str``,
    ``literal``."""
    required: bool = False
    nullable: bool = True
    default: Any = None
    ge: int | None = None
    le: int | None = None
    choices: tuple[str, ...] = ()


def _check_field(errors: Errors, field: Field, value: Any) -> Any:
    loc: tuple[str | int, ...] = ("body", field.name)
    kind = field.kind
    if kind == "int":
        return errors.int_value(loc, value, field.ge, field.le)
    if kind == "str":
        return errors.str_value(loc, value)
    if kind == "literal":
        return errors.enum_value(loc, value, field.choices, literal=True)
    if kind == "list_str":
        if not isinstance(value, list):
            errors.add("list_type", loc, "Input should be a valid list", value)
            return None
        for i, item in enumerate(value):
            errors.str_value((*loc, i), item)
        return value
    if not isinstance(value, dict):
        errors.add("dict_type", loc, "Input should be a valid dictionary", value)
        return None
    if kind == "dict_str_int":
        return {k: errors.int_value((*loc, k), v) for k, v in value.items()}
    if kind == "dict_str_str":
        for k, v in value.items():
            errors.str_value((*loc, k), v)
    return value


def validate_body(errors: Errors, raw: bytes, fields: Sequence[Field]) -> dict[str, Any]:
    """Decode and validate a JSON body against ``fields``.

    An invalid body leaves its errors in ``errors`` and gives ``{}``: the handler refuses
    the request on ``errors`` before it reads the body.
    """
    if not raw.strip():
        errors.missing(("body",))
        return {}
    try:
        data = _decode(raw)
    except msgspec.DecodeError as exc:
        errors.add("json_invalid", ("body", 0), "JSON decode error", {}, error=str(exc))
        return {}
    except RecursionError:  # nested deeper than the decoder goes
        errors.add("json_invalid", ("body", 0), "JSON decode error", {}, error="nested too deeply")
        return {}
    if not isinstance(data, dict):
        errors.add(
            "model_attributes_type",
            ("body",),
            "Input should be a valid dictionary or object to extract fields from",
            data,
        )
        return {}
    before = len(errors)
    out: dict[str, Any] = {}
    for field in fields:
        value = data.get(field.name)
        if field.name not in data:
            if field.required:
                errors.missing(("body", field.name), data)
            out[field.name] = field.default
        elif value is None and field.nullable:
            out[field.name] = None
        else:
            out[field.name] = _check_field(errors, field, value)
    return out if len(errors) == before else {}
