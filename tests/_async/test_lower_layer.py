"""No lower-layer exception (aiohttp, urllib3, asyncio, msgspec, OSError) escapes the client."""

from __future__ import annotations

import pytest

from codegen_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncCodegenClient,
    CodegenAPIError,
    CodegenError,
    ConfigPresets,
    DecodeError,
    ResponseTooLargeError,
)
from tests.rawserver import raw_server

OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"

CASES = {
    "closed without answer": (None, APIConnectionError),
    "garbage status line": (b"NOT HTTP AT ALL\r\n\r\n", APIConnectionError),
    "truncated body": (OK_HEAD + b'Content-Length: 100\r\n\r\n{"id": 1', APIConnectionError),
    "empty body": (OK_HEAD + b"Content-Length: 0\r\n\r\n", DecodeError),
    "html body": (OK_HEAD + b"Content-Length: 9\r\n\r\n<html/>\r\n", DecodeError),
    "wrong json type": (OK_HEAD + b"Content-Length: 2\r\n\r\n[]", DecodeError),
    "418 teapot": (b"HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n", CodegenAPIError),
    "302 without location": (b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n", CodegenAPIError),
    "599": (b"HTTP/1.1 599 Odd\r\nContent-Length: 4\r\n\r\nnope", CodegenAPIError),
}


def config(url: str, **overrides: object):  # type: ignore[no-untyped-def]
    settings = {"base_url": url, "api_token": "sk-t", "org_id": 1, "max_retries": 0}
    settings.update(overrides)
    return ConfigPresets.testing(**settings)


@pytest.mark.parametrize("case", sorted(CASES))
async def test_broken_answers_map_to_our_errors(case: str) -> None:
    """Every broken answer ends in the expected CodegenError subclass, with context."""
    reply, expected = CASES[case]
    with raw_server(reply) as url:
        async with AsyncCodegenClient(config(url)) as client:
            with pytest.raises(CodegenError) as info:
                await client.get_current_user()
    assert isinstance(info.value, expected), repr(info.value)
    assert "/v1/users/me" in str(info.value)


async def test_a_hung_server_times_out() -> None:
    """A server that never answers ends in APITimeoutError, not a hang."""
    with raw_server(None, hang=3.0) as url:
        async with AsyncCodegenClient(config(url, timeout=0.2)) as client:
            with pytest.raises(APITimeoutError):
                await client.get_current_user()


async def test_oversized_body_is_refused() -> None:
    """A body over max_response_size raises ResponseTooLargeError."""
    body = b'{"id": 1, "pad": "' + b"x" * 5000 + b'"}'
    reply = OK_HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body
    with raw_server(reply) as url:
        async with AsyncCodegenClient(config(url, max_response_size=1024)) as client:
            with pytest.raises(ResponseTooLargeError):
                await client.get_current_user()


async def test_oversized_chunked_body_is_refused() -> None:
    """A chunked body growing past the cap is refused too."""
    chunk = b"x" * 4000
    reply = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n" % len(chunk)
        + chunk
        + b"\r\n0\r\n\r\n"
    )
    with raw_server(reply) as url:
        async with AsyncCodegenClient(config(url, max_response_size=1024)) as client:
            with pytest.raises(ResponseTooLargeError):
                await client.get_current_user()
