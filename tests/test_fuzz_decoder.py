"""Property tests of the response decoder: any body ends in a value or one of our errors.

The decoders are the client's own (every module-level ``msgspec.json.Decoder`` of the
client modules), run through the transport's ``_decode``; error answers go through
``error_for_response``. Case counts are printed at the end of the session.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen_async import (
    CodegenAPIError,
    ConfigPresets,
    DecodeError,
    RateLimitError,
    ServerError,
    ValidationError,
    _client,
    _orgs,
    _runs,
)
from codegen_async._bulk._types import marker_of
from codegen_async._http._errormap import error_for_response
from codegen_async._http._response import RawResponse
from codegen_async._http._retry import parse_retry_after
from codegen_async._http._transport import AsyncTransport
from codegen_async.models import AgentRun, Model, Page
from tests.fuzzing import bodies, count, fuzz_settings

DECODERS: list[msgspec.json.Decoder[Any]] = [
    value
    for module in (_runs, _orgs, _client)
    for value in vars(module).values()
    if isinstance(value, msgspec.json.Decoder)
]
URL = "http://127.0.0.1:1/v1/organizations/323/agent/run/1"


@pytest.fixture(scope="module")
def transport() -> AsyncTransport:
    # Constructing a transport opens nothing (the HTTP session opens on first use).
    return AsyncTransport(ConfigPresets.testing(base_url="http://127.0.0.1:1", api_token="sk-t"))


def _use(value: Any) -> None:
    """Touch what a caller would: plain data, run properties, bulk markers."""
    items = value.items if isinstance(value, Page) else [value]
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Model):
            item.dict()
        if isinstance(item, AgentRun):
            _ = (item.is_terminal, item.is_active, item.is_paused, item.is_successful)
            marker_of(item)


def test_every_client_decoder_is_fuzzed() -> None:
    """The decoders under test include those of runs, pages, logs, users and plain JSON."""
    types = {repr(d.type) for d in DECODERS}
    assert len(DECODERS) >= 10
    assert any("AgentRun" in t for t in types) and "typing.Any" in types


class TestDecode:
    @fuzz_settings(max_examples=600)
    @given(body=bodies)
    def test_any_body_decodes_or_raises_decode_error(
        self, transport: AsyncTransport, body: bytes
    ) -> None:
        """Every decoder turns any body into a value or a DecodeError with context."""
        count("decoder: 2xx body -> value or DecodeError (bodies)")
        for decoder in DECODERS:
            count("decoder: 2xx body -> value or DecodeError (decodes)")
            try:
                value = transport._decode(decoder, body, "GET", URL, 200)
            except DecodeError as exc:
                assert URL in str(exc)
                assert exc.body is not None and len(exc.body) <= 2048
            else:
                count("decoder: 2xx body -> value or DecodeError (values)")
                _use(value)

    def test_deeply_nested_json_is_a_decode_error(self, transport: AsyncTransport) -> None:
        """A body nested 100,000 levels deep is a DecodeError, not a RecursionError."""
        body = b'{"id": 1, "organization_id": 1, "metadata": {"a": ' + b"[" * 100_000 + b"}"
        with pytest.raises(DecodeError):
            transport._decode(_runs._RUN, body, "GET", URL, 200)


class TestErrorMap:
    @fuzz_settings(max_examples=600)
    @given(
        status=st.integers(min_value=100, max_value=599),
        body=bodies,
        retry_after=st.none() | st.text(max_size=40),
        request_id=st.none() | st.text(max_size=40),
    )
    def test_any_error_answer_maps_to_an_api_error(
        self, status: int, body: bytes, retry_after: str | None, request_id: str | None
    ) -> None:
        """Any status, body and headers map to a CodegenAPIError of the right class."""
        count("error map: status/body/headers -> CodegenAPIError")
        headers = {}
        if retry_after is not None:
            headers["retry-after"] = retry_after
        if request_id is not None:
            headers["x-request-id"] = request_id
        error = error_for_response(RawResponse(status, headers, body), "GET", URL)
        assert isinstance(error, CodegenAPIError)
        assert status == error.status_code
        assert str(error) and repr(error)
        if status == 429:
            assert isinstance(error, RateLimitError)
            ra = error.retry_after
            assert ra is None or (math.isfinite(ra) and 0 <= ra <= 3600)
        elif status in (400, 422):
            assert isinstance(error, ValidationError)
        elif status >= 500:
            assert isinstance(error, ServerError)

    def test_deeply_nested_error_body_maps(self) -> None:
        """A 500 whose body nests 100,000 levels deep still maps to ServerError."""
        body = b"[" * 100_000
        assert isinstance(error_for_response(RawResponse(500, {}, body), "GET", URL), ServerError)


class TestRetryAfter:
    @fuzz_settings(max_examples=400)
    @given(
        value=st.none()
        | st.text(max_size=40)
        | st.floats().map(repr)
        | st.integers().map(str)
        | st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT"))
        | st.sampled_from(["inf", "-inf", "nan", "1e400", "Mon, 99 Jan 2025 00:00:00 GMT"])
    )
    def test_any_header_gives_a_bounded_delay_or_none(self, value: str | None) -> None:
        """Any Retry-After value parses to None or a finite delay in [0, 3600]."""
        count("Retry-After header -> None or bounded delay")
        delay = parse_retry_after(value)
        assert delay is None or (math.isfinite(delay) and 0.0 <= delay <= 3600.0)
