"""Per-call options every API method takes: ``timeout``, ``max_retries`` and the extras.

Every endpoint method accepts these keywords, typed by :class:`RequestOptions`::

    run = await client.get_agent_run(
        run_id=42, timeout=5, max_retries=0, extra_headers={"X-Trace": "abc"}
    )

``extra_headers``, ``extra_query`` and ``extra_body`` reach what a method does not
wrap (a header a proxy wants, a query flag or a body field the API added lately); they
go on top of what the method sends. ``client.with_options(...)`` sets the same for
every call of a client view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, TypedDict

__all__ = ["NOT_GIVEN", "JSONValue", "NotGiven", "QueryValue", "RequestOptions"]


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


JSONValue = None | bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"]
"""Any JSON value: what an endpoint documented as answering "any JSON" returns."""

QueryValue = str | int | float | bool | None
"""A query parameter's value (``None`` leaves the parameter out; ``True`` is ``true``)."""


class RequestOptions(TypedDict, total=False):
    """The per-call options of every endpoint method (all optional).

    Attributes:
        timeout: Seconds for each attempt of this call (connect to last byte), instead
            of the client's ``timeout``.
        max_retries: Retries of this call, instead of the client's ``max_retries``.
            A create the server may have acted on is never resent, whatever this says.
        extra_headers: Headers added to this call's request. ``Authorization``,
            ``Host``, ``Content-Length`` and ``Transfer-Encoding`` are the client's
            own and are refused.
        extra_query: Query parameters added to (or replacing) the method's own.
        extra_body: JSON fields merged into the body of a call that sends one.
    """

    timeout: float
    max_retries: int
    extra_headers: Mapping[str, str]
    extra_query: Mapping[str, QueryValue]
    extra_body: Mapping[str, Any]
