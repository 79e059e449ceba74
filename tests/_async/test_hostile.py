"""The bounds every call keeps, against a hostile server (``tests.rawserver.HostileServer``).

Time: one deadline per attempt (headers and body), capped server delays, slot waits within
the call's timeout. Memory: decoded bytes held to ``max_response_size``, the cache bounded in
bytes and kept out of streams. Bad input: any error body, an echoed token, interim 1xx
answers, a server that ignores ``skip``. Timing assertions are generous: they prove that a
call ended instead of hanging, never how fast it was.
"""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
import zlib
from collections.abc import Iterable
from typing import Any

import pytest

from codegen_async import (
    APITimeoutError,
    AsyncCodegenClient,
    CodegenConfig,
    CodegenError,
    ConfigPresets,
    DecodeError,
    RateLimitError,
    ResponseTooLargeError,
    ValidationError,
)
from tests.rawserver import HostileServer, Step, answer, chunked, endless, query_of, trickle

from .test_secrets import texts

TOKEN = "sk-HOSTILE-5b1e0c-token"
USER = b'{"id": 7, "github_username": "octocat"}'
JSON = {"Content-Type": "application/json"}
# Generous: a call with a 1 s timeout must end within this (it proves "no hang").
ENDED = 10.0


def config(url: str, **overrides: Any) -> CodegenConfig:
    """A client config for ``url``: one attempt of at most 1 s, no retries, no limiter."""
    settings: dict[str, Any] = {
        "base_url": url,
        "api_token": TOKEN,
        "org_id": 1,
        "max_retries": 0,
        "timeout": 1.0,
    }
    settings.update(overrides)
    return ConfigPresets.testing(**settings)


def gzip_bomb(size: int) -> bytes:
    """A gzip body of ``size`` zero bytes (about a thousandth of that on the wire)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(size >> 20)]
    return b"".join(parts) + packer.flush()


BOMB = gzip_bomb(64 << 20)


class TestTime:
    @pytest.mark.parametrize(
        "steps",
        [
            pytest.param(
                lambda: trickle(answer(200, USER, headers=JSON), 0.05), id="trickled answer"
            ),
            pytest.param(
                lambda: endless(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", 0.05),
                id="endless body",
            ),
            pytest.param(lambda: endless(b"HTTP/1.1 200 OK\r\nX-Slow: ", 0.05), id="endless head"),
            pytest.param(lambda: [30.0], id="silence"),
        ],
    )
    async def test_one_deadline_covers_headers_and_body(self, steps: Any) -> None:
        """A server trickling bytes (or none) cannot stretch an attempt past its timeout."""
        with HostileServer(lambda _r: steps()) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                started = time.monotonic()
                with pytest.raises(APITimeoutError):
                    await client.get_current_user()
                elapsed = time.monotonic() - started
        assert elapsed < ENDED

    async def test_health_check_ends_within_its_timeout(self) -> None:
        """health_check(timeout=1) against an endless trickle reports unhealthy, promptly."""
        script = lambda _r: endless(b"HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n", 0.05)  # noqa: E731
        with HostileServer(script) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                started = time.monotonic()
                health = await client.health_check(timeout=1.0)
                elapsed = time.monotonic() - started
        assert ("unhealthy", False) == (health["status"], health["healthy"])
        assert elapsed < ENDED

    async def test_redirect_hops_share_the_attempt_deadline(self) -> None:
        """Every hop of a redirect chain counts against the one attempt timeout."""

        def script(request: bytes) -> Iterable[Step]:
            yield 0.4  # each hop takes a while: three of them exceed the 1 s attempt
            yield answer(302, headers={"Location": "/v1/users/me?hop"})

        with HostileServer(script) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                with pytest.raises(APITimeoutError):
                    await client.get_current_user()
        assert len(server.requests) <= 3

    @pytest.mark.parametrize("retry_after", ["1e12", "inf", "99999999999999999999"])
    async def test_a_huge_retry_after_is_capped(self, retry_after: str) -> None:
        """Retry-After: 1e12 blocks the group for retry_max_delay at most, and a later call
        raises RateLimitError within its own timeout instead of waiting for the slot."""
        refusal = answer(429, b'{"message": "slow down"}', headers={"Retry-After": retry_after})
        with HostileServer(lambda _r: [refusal]) as server:
            settings = config(server.url, rate_limit_strategy="sliding_window", retry_max_delay=0.3)
            async with AsyncCodegenClient(settings.replace(max_retries=2)) as client:
                started = time.monotonic()
                with pytest.raises(RateLimitError) as first:
                    await client.get_current_user()
                assert time.monotonic() - started < ENDED
            assert 3 == len(server.requests)  # retried after the capped delay
            assert first.value.retry_after is not None

            async with AsyncCodegenClient(settings.replace(retry_max_delay=30.0)) as client:
                with pytest.raises(RateLimitError):
                    await client.get_current_user()
                started = time.monotonic()
                with pytest.raises(RateLimitError) as later:
                    await client.get_current_user(timeout=1.0)
                elapsed = time.monotonic() - started
        assert elapsed < ENDED
        assert later.value.retry_after is not None and later.value.retry_after > 1.0
        assert "within the call's timeout" in later.value.message
        assert 4 == len(server.requests)  # the later call sent nothing


class TestMemory:
    @pytest.mark.parametrize("framing", ["length", "chunked", "close"])
    async def test_decoded_bytes_are_held_to_the_limit(self, framing: str) -> None:
        """A 64 KiB gzip body inflating to 64 MiB is refused at max_response_size=1 MiB,
        whatever its framing, and never held whole."""
        headers = {**JSON, "Content-Encoding": "gzip"}
        if framing == "chunked":
            reply = answer(
                200,
                chunked(BOMB),
                headers={**headers, "Transfer-Encoding": "chunked"},
                length=False,
            )
        else:
            reply = answer(200, BOMB, headers=headers, length=framing == "length")
        with HostileServer(lambda _r: [reply], keep_alive=framing != "close") as server:
            async with AsyncCodegenClient(config(server.url, max_response_size=1 << 20)) as client:
                tracemalloc.start()
                try:
                    with pytest.raises(ResponseTooLargeError):
                        await client.get_current_user()
                    _, peak = tracemalloc.get_traced_memory()
                finally:
                    tracemalloc.stop()
        assert peak < 16 << 20

    @pytest.mark.parametrize("encoding", ["gzip", "deflate"])
    @pytest.mark.parametrize("framing", ["length", "chunked"])
    async def test_a_compressed_body_decodes_in_any_framing(
        self, encoding: str, framing: str
    ) -> None:
        """A gzip or deflate body is decoded, sent with a length or chunked."""
        body = gzip.compress(USER) if encoding == "gzip" else zlib.compress(USER)
        headers = {**JSON, "Content-Encoding": encoding}
        if framing == "chunked":
            reply = answer(
                200,
                chunked(body, 7),
                headers={**headers, "Transfer-Encoding": "chunked"},
                length=False,
            )
        else:
            reply = answer(200, body, headers=headers)
        with HostileServer(lambda _r: [reply]) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                user = await client.get_current_user()
        assert "octocat" == user.github_username

    async def test_streaming_keeps_out_of_the_cache(self) -> None:
        """stream_agent_runs with caching on stores none of its pages."""
        big = "x" * 20_000

        def pages(request: bytes) -> Iterable[Step]:
            skip = int(query_of(request).get("skip", "0"))
            items = [
                {"id": skip + i + 1, "organization_id": 1, "status": "COMPLETE", "result": big}
                for i in range(10)
            ]
            page = {"items": items, "total": 300, "page": 1, "size": 10, "pages": 30}
            yield answer(200, json.dumps(page).encode(), headers=JSON)

        with HostileServer(pages) as server:
            settings = config(server.url, enable_caching=True)
            async with AsyncCodegenClient(settings) as client:
                seen = [run.id async for run in client.stream_agent_runs(per_page=10)]
                stats = client.get_cache_stats()
        assert list(range(1, 301)) == seen
        assert (0, 0) == (stats.size, stats.bytes)

    async def test_the_cache_holds_at_most_cache_max_bytes(self) -> None:
        """Cached answers never hold more than cache_max_bytes of bodies."""
        run = {"id": 1, "organization_id": 1, "status": "COMPLETE", "result": "y" * 10_000}
        body = json.dumps(run).encode()
        with HostileServer(lambda _r: [answer(200, body, headers=JSON)]) as server:
            settings = config(server.url, enable_caching=True, cache_max_bytes=50_000)
            async with AsyncCodegenClient(settings) as client:
                for run_id in range(1, 30):
                    await client.get_agent_run(run_id=run_id)
                stats = client.get_cache_stats()
        assert 0 < stats.bytes <= 50_000
        assert stats.size < 29


class TestBadInput:
    @pytest.mark.parametrize(
        "detail",
        [
            [{"loc": 5, "msg": "bad"}],
            [{"loc": ["body", 0, None, {"a": 1}], "msg": 3}],
            [{"loc": 1.5}],
            [None, 7, "text", [1, [2]]],
            {"nested": [1, 2]},
            [{"loc": [[[[[[[[[[[[1]]]]]]]]]]]], "msg": {"k": [True]}}],
        ],
    )
    async def test_any_422_detail_is_a_validation_error(self, detail: Any) -> None:
        """A 422 whose detail holds numbers, nulls or nesting is a ValidationError."""
        body = json.dumps({"detail": detail}).encode()
        with HostileServer(lambda _r: [answer(422, body, headers=JSON)]) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                with pytest.raises(ValidationError) as info:
                    await client.get_current_user()
        assert 422 == info.value.status_code
        assert info.value.message

    async def test_an_echoed_token_is_masked(self) -> None:
        """A server echoing the Authorization header: the token is in no message, body,
        details, repr or cause."""

        def echo(request: bytes) -> Iterable[Step]:
            head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            body = json.dumps({"detail": [{"loc": ["header"], "msg": head}], "echo": head})
            yield answer(422, body.encode(), headers=JSON)

        with HostileServer(echo) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                with pytest.raises(ValidationError) as info:
                    await client.get_current_user()
        assert TOKEN in server.requests[0].decode()  # it was sent, and echoed
        for text in texts(info.value):
            assert TOKEN not in text
        assert "[REDACTED]" in json.dumps(info.value.body)

    @pytest.mark.parametrize(
        "reply",
        [
            b"HTTP/1.1 abc Weird\r\nContent-Length: 0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: x1\r\n\r\n{}",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            b"NOT HTTP AT ALL\r\n\r\n",
        ],
    )
    async def test_a_lower_layer_error_keeps_no_token(self, reply: bytes) -> None:
        """A malformed answer's error, and every cause behind it, carry no token."""
        with HostileServer(lambda _r: [reply]) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                with pytest.raises(CodegenError) as info:
                    await client.get_current_user()
        seen: list[BaseException] = []
        node: BaseException | None = info.value
        while node is not None and len(seen) < 10:
            seen.append(node)
            for text in texts(node):
                assert TOKEN not in text
            node = node.__cause__ or node.__context__

    async def test_interim_answers_are_skipped(self) -> None:
        """103 Early Hints (and 102) before the answer: the answer is what counts."""
        hints = b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
        processing = b"HTTP/1.1 102 Processing\r\n\r\n"
        reply = answer(200, USER, headers=JSON)
        with HostileServer(lambda _r: [hints, processing, hints, reply]) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                first = await client.get_current_user()
                second = await client.get_current_user()  # the connection is still in step
        assert ("octocat", "octocat") == (first.github_username, second.github_username)

    async def test_a_server_ignoring_skip_ends_the_stream(self) -> None:
        """The same full page for every skip: the stream stops with DecodeError, after a
        few requests, instead of asking for ever."""
        items = [{"id": i, "organization_id": 1, "status": "COMPLETE"} for i in range(1, 11)]
        page = json.dumps({"items": items, "total": 10**9, "page": 1, "size": 10}).encode()
        with HostileServer(lambda _r: [answer(200, page, headers=JSON)]) as server:
            async with AsyncCodegenClient(config(server.url)) as client:
                seen: list[int] = []
                with pytest.raises(DecodeError) as info:
                    async for run in client.stream_agent_runs(per_page=10):
                        seen.append(run.id)
        assert list(range(1, 11)) == seen
        assert len(server.requests) <= 5
        assert "skip" in info.value.message
