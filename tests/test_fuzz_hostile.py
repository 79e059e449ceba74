"""Property tests of the bounds: any server behaviour, any error body.

``test_any_server_behaviour_is_bounded`` has a hostile server answer with an arbitrary
status line, headers, content coding, body and timing (stalls, trickles, endless bodies,
gzip bombs) and checks, on both clients, that every call ends in a value or our exception,
within its attempt timeout plus a margin, holding at most a few times
``max_response_size`` of memory. ``test_error_mapping_is_total`` feeds any JSON value, as
an error body, with any status, to the error mapping.
"""

from __future__ import annotations

import time
import tracemalloc
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import codegen_async
import codegen_sync
from codegen_async import CodegenAPIError, CodegenError, ConfigPresets
from codegen_async._http._errormap import error_for_response, redact
from codegen_async._http._response import RawResponse
from tests.fuzzing import LoopRunner, count, fuzz_settings, json_values
from tests.rawserver import HostileServer, Step, chunked

TIMEOUT = 0.5
CAP = 64 * 1024
# Generous: an attempt of 0.5 s must be over well within this (it proves "no hang").
MARGIN = 5.0
TOKEN = "sk-FUZZ-7d3f-token"


def _deflate(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


BOMB = _deflate(bytes(8 << 20), 31)  # 8 MiB of zeros in about 8 KiB of gzip

status_lines = st.one_of(
    st.integers(min_value=100, max_value=599).map(lambda s: f"HTTP/1.1 {s} X"),
    st.sampled_from(
        [
            "HTTP/1.1 200 OK",
            "HTTP/1.0 200 OK",
            "HTTP/1.1 429 Too Many Requests",
            "HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK",
            "HTTP/1.1 200",
            "HTTP/1.1 abc",
            "HTTP/2 200",
            "ICY 200 OK",
            "",
            "HTTP/1.1 999999999999 X",
        ]
    ),
)
codings = st.sampled_from(["identity", "gzip", "deflate", "raw-deflate", "br", "bomb", "x"])
framings = st.sampled_from(["length", "chunked", "close", "short", "long", "two-lengths"])
timings = st.sampled_from(["at once", "stall", "trickle", "endless", "slow head"])
extra_headers = st.lists(
    st.sampled_from(
        [
            "Retry-After: 1e12",
            "Retry-After: inf",
            "Retry-After: -5",
            "Retry-After: Wed, 21 Oct 99999 07:28:00 GMT",
            "Retry-After: nan",
            "Content-Type: application/json",
            "Content-Type: text/html; charset=utf-32",
            "Location: /v1/users/me",
            "Location: http://[::1",
            "X-Request-Id: " + "r" * 300,
            "Connection: close",
            "Transfer-Encoding: gzip, chunked",
            "Bad Header\x01: v",
        ]
    ),
    max_size=4,
)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(msgspec.json.encode),
    st.just(b'{"id": 1, "github_username": "x"}'),
    st.just(b'{"detail": [{"loc": 7, "msg": null}]}'),
    st.just(("{" + '"a":' * 0 + "[" * 5000 + "]" * 5000 + "}").encode()),
)


def encode(body: bytes, coding: str) -> tuple[bytes, str | None]:
    """``body`` in a content coding, and its Content-Encoding header value."""
    if coding == "gzip":
        return _deflate(body, 31), "gzip"
    if coding == "deflate":
        return _deflate(body, 15), "deflate"
    if coding == "raw-deflate":
        return _deflate(body, -15), "deflate"
    if coding == "bomb":
        return BOMB, "gzip"
    if coding in ("br", "x"):
        return body, coding  # unannounced or unknown: sent as is
    return body, None


def build(
    line: str, headers: list[str], coding: str, framing: str, body: bytes
) -> tuple[bytes, bytes]:
    """The head and the payload of one raw answer."""
    payload, encoding = encode(body, coding)
    head = [line, *headers]
    if encoding:
        head.append(f"Content-Encoding: {encoding}")
    if framing == "chunked":
        head.append("Transfer-Encoding: chunked")
        payload = chunked(payload, 4096)
    elif framing == "length":
        head.append(f"Content-Length: {len(payload)}")
    elif framing == "short":
        head.append(f"Content-Length: {max(0, len(payload) - 3)}")
    elif framing == "long":
        head.append(f"Content-Length: {len(payload) + 10}")
    elif framing == "two-lengths":
        head += [f"Content-Length: {len(payload)}", "Content-Length: 1"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1"), payload


def steps(head: bytes, payload: bytes, timing: str) -> Iterator[Step]:
    """The answer as the server sends it: at once, after a stall, trickled, or endless."""
    if timing == "stall":
        yield 3 * TIMEOUT
        yield head + payload
    elif timing == "trickle":
        data = head + payload
        for i in range(0, len(data), 16):
            yield data[i : i + 16]
            yield 0.05
    elif timing == "endless":
        yield head
        while True:
            yield b"0" * 512
            yield 0.01
    elif timing == "slow head":
        yield head[: len(head) // 2]
        yield 3 * TIMEOUT
        yield head[len(head) // 2 :] + payload
    else:
        yield head + payload


class Both:
    """A sync and an async client of one server, with a loop for the async one."""

    def __init__(self, url: str) -> None:
        config = ConfigPresets.testing(
            base_url=url,
            api_token=TOKEN,
            org_id=1,
            max_retries=1,
            retry_max_delay=0.05,
            timeout=TIMEOUT,
            max_response_size=CAP,
            rate_limit_strategy="sliding_window",
        )
        self.sync = codegen_sync.CodegenClient(config)
        self.aio = codegen_async.AsyncCodegenClient(config)
        self.runner = LoopRunner()

    def calls(self) -> Iterable[tuple[str, Any]]:
        """Each client's outcome of one GET (a value or our exception)."""
        try:
            yield "sync", self.sync.get_current_user()
        except CodegenError as exc:
            yield "sync", exc

        async def call() -> Any:
            try:
                return await self.aio.get_current_user()
            except CodegenError as exc:
                return exc

        yield "async", self.runner.run(call())

    def close(self) -> None:
        self.sync.close()
        self.runner.run(self.aio.aclose())
        self.runner.close()


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with HostileServer() as srv:
        yield srv


@pytest.mark.slow
@fuzz_settings(max_examples=40)
@given(data=st.data())
def test_any_server_behaviour_is_bounded(server: HostileServer, data: st.DataObject) -> None:
    """Any answer, at any pace, ends each call in a value or our exception, in time,
    within bounded memory, and no message shows the token."""
    count("hostile server: behaviour -> bounded outcome (answers)")
    head, payload = build(
        data.draw(status_lines),
        data.draw(extra_headers),
        data.draw(codings),
        data.draw(framings),
        data.draw(bodies),
    )
    timing = data.draw(timings)
    server.script = lambda _request: steps(head, payload, timing)
    both = Both(server.url)
    tracemalloc.start()
    try:
        started = time.monotonic()
        for kind, outcome in both.calls():  # a generator: each call runs as it is asked for
            elapsed = time.monotonic() - started
            count(f"hostile outcome: {type(outcome).__name__}")
            # Two attempts (one retry) and a redirect chain at most: all within the margin.
            assert elapsed < 2 * TIMEOUT + MARGIN, (kind, elapsed)
            if isinstance(outcome, CodegenError):
                assert outcome.message
                assert TOKEN not in str(outcome) and TOKEN not in repr(outcome)
            started = time.monotonic()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        both.close()
    assert peak < 64 * CAP + (8 << 20), peak


@fuzz_settings(max_examples=300)
@given(
    status=st.integers(min_value=300, max_value=599),
    body=json_values,
    raw=st.booleans(),
    retry_after=st.one_of(st.none(), st.text(max_size=30)),
)
def test_error_mapping_is_total(status: int, body: Any, raw: bool, retry_after: str | None) -> None:
    """Any JSON value (or bytes) as an error body, with any status, maps to our exception,
    and an echoed token is masked in all of it."""
    count("error mapping: any JSON body -> CodegenAPIError")
    if raw:
        data = msgspec.json.encode(body)
    else:
        data = msgspec.json.encode({"detail": body, "echo": f"Bearer {TOKEN}"})
    headers = {} if retry_after is None else {"retry-after": retry_after}
    error = error_for_response(RawResponse(status, headers, data), "GET", "http://h/x")
    redact(error, TOKEN)
    assert isinstance(error, CodegenAPIError)
    assert status == error.status_code
    assert error.message
    assert TOKEN not in str(error) and TOKEN not in repr(error)
    assert TOKEN not in repr(error.body) and TOKEN not in repr(getattr(error, "details", None))
    if isinstance(error, codegen_async.RateLimitError) and error.retry_after is not None:
        assert 0 <= error.retry_after <= 3600
