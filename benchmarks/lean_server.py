"""Lean load server for the benchmarks: a raw ``asyncio.Protocol`` HTTP/1.1 keep-alive server.

It answers three Codegen API operations with precomputed bodies, so it costs far less per
request than any client it serves:

* ``GET  /v1/organizations/{org}/agent/run/{id}``  -> one run (the requested id is echoed)
* ``GET  /v1/organizations/{org}/agent/runs?skip=&limit=`` -> ``Page[AgentRunResponse]``
  (about 40 KB for 100 runs; ``total`` is ``--total``, so a client can stream a million runs)
* ``POST /v1/organizations/{org}/agent/run``  -> a freshly created ``ACTIVE`` run

Run it as ``python -m benchmarks.lean_server [--port 0] [--total N]``.  It binds 127.0.0.1 only,
prints one JSON line ``{"port": ..., "pid": ..., "loop": ...}`` when ready, uses uvloop when it
is installed (never required), and exits when its parent process goes away.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from urllib.parse import parse_qsl

if __package__ in (None, ""):  # allow ``python benchmarks/lean_server.py``
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks import payloads

_HEADERS = (
    b"HTTP/1.1 %d %s\r\n"
    b"server: lean\r\n"
    b"date: Tue, 07 Oct 2025 12:00:00 GMT\r\n"
    b"content-type: application/json\r\n"
    b"content-length: %d\r\n\r\n"
)
_REASONS = {200: b"OK", 404: b"Not Found", 411: b"Length Required", 422: b"Unprocessable Entity"}
_MAX_HEAD = 64 * 1024
_MAX_BODY = 8 * 1024 * 1024


def response(status: int, body: bytes) -> bytes:
    """Full HTTP/1.1 response bytes (keep-alive) for ``body``."""
    return _HEADERS % (status, _REASONS[status], len(body)) + body


class Responses:
    """Precomputed answers; the only per-request work is echoing ids and paging."""

    def __init__(self, total: int) -> None:
        self.total = total
        run = payloads.run_body(1)
        assert run.startswith(b'{"id":1,')
        self.run_tail = run[len(b'{"id":1') :]
        self.created = response(200, payloads.created_body())
        self.first_page = response(200, payloads.page_body(0, payloads.PAGE_LIMIT, total))
        # Templates for other pages: each item split after its id, so a page for any
        # ``skip`` costs one join rather than a JSON encode.
        page = payloads.page_dict(0, payloads.PAGE_LIMIT, max(total, payloads.PAGE_LIMIT))
        self.item_tails = [
            payloads.dumps(item)[len(b'{"id":%d' % item["id"]) :] for item in page["items"]
        ]
        self.not_found = response(404, b'{"detail":"Not Found"}')
        self.invalid = response(422, b'{"detail":[{"msg":"invalid query parameter"}]}')

    def run(self, run_id: bytes) -> bytes:
        body = b'{"id":' + run_id + self.run_tail
        return response(200, body)

    def page(self, query: bytes) -> bytes:
        skip, limit = 0, 100
        try:
            for key, value in parse_qsl(query.decode("latin-1")):
                if key == "skip":
                    skip = int(value)
                elif key == "limit":
                    limit = int(value)
        except ValueError:
            return self.invalid
        if skip < 0 or not 1 <= limit <= 100:
            return self.invalid
        if skip == 0 and limit == payloads.PAGE_LIMIT:
            return self.first_page
        total = self.total
        count = max(0, min(limit, total - skip))
        tails = self.item_tails
        items = b",".join(
            b'{"id":%d' % (total - skip - i) + tails[i % len(tails)] for i in range(count)
        )
        body = b'{"items":[%s],"total":%d,"page":%d,"size":%d,"pages":%d}' % (
            items,
            total,
            skip // limit + 1,
            limit,
            -(-total // limit),
        )
        return response(200, body)


class HttpProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1 keep-alive handling; tolerant of several requests per packet."""

    __slots__ = ("buf", "responses", "transport")

    def __init__(self, responses: Responses) -> None:
        self.responses = responses
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        transport = self.transport
        assert transport is not None
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > _MAX_HEAD:
                    transport.close()
                    buf = b""
                break
            head = buf[:end]
            line_end = head.find(b"\r\n")
            request_line = head if line_end < 0 else head[:line_end]
            parts = request_line.split(b" ")
            if len(parts) != 3:
                transport.close()
                buf = b""
                break
            method, target, _version = parts
            lower = head.lower()
            length = 0
            pos = lower.find(b"\r\ncontent-length:")
            if pos >= 0:
                value_end = lower.find(b"\r\n", pos + 2)
                raw = lower[pos + 17 : value_end if value_end >= 0 else len(lower)]
                try:
                    length = int(raw.strip())
                except ValueError:
                    transport.close()
                    buf = b""
                    break
                if length < 0 or length > _MAX_BODY:
                    transport.close()
                    buf = b""
                    break
            elif b"\r\ntransfer-encoding:" in lower:
                transport.write(response(411, b"{}"))
                transport.close()
                buf = b""
                break
            total = end + 4 + length
            if len(buf) < total:
                break  # wait for the rest of the body
            buf = buf[total:]
            transport.write(self.route(method, target))
            if b"\r\nconnection: close" in lower:
                transport.close()
                buf = b""
                break
        self.buf = buf

    def route(self, method: bytes, target: bytes) -> bytes:
        path, _, query = target.partition(b"?")
        responses = self.responses
        if method == b"GET":
            if path.endswith(b"/agent/runs"):
                return responses.page(query)
            head, sep, run_id = path.rpartition(b"/agent/run/")
            if sep and run_id.isdigit() and head.startswith(b"/v1/organizations/"):
                return responses.run(run_id)
        elif method == b"POST" and path.endswith(b"/agent/run"):
            return responses.created
        return responses.not_found

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def _watch_parent(parent: int, stop: asyncio.Event) -> None:
    """Exit when the process that started us is gone (no orphaned servers after Ctrl-C)."""
    while not stop.is_set():
        if os.getppid() != parent:
            stop.set()
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def serve(port: int, total: int, loop_name: str) -> None:
    """Serve until SIGTERM/SIGINT or until the parent exits."""
    loop = asyncio.get_running_loop()
    responses = Responses(total)
    server = await loop.create_server(
        lambda: HttpProtocol(responses), "127.0.0.1", port, backlog=1024, reuse_address=True
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    bound = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": bound, "pid": os.getpid(), "loop": loop_name}), flush=True)
    watcher = asyncio.create_task(_watch_parent(os.getppid(), stop))
    try:
        await stop.wait()
    finally:
        watcher.cancel()
        server.close()


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--total", type=int, default=1_000_000, help="runs the list reports")
    parser.add_argument("--no-uvloop", action="store_true", help="use the stdlib event loop")
    args = parser.parse_args(argv)
    loop_name = "asyncio"
    if not args.no_uvloop:
        try:
            import uvloop  # type: ignore[import-not-found]
        except ImportError:
            pass
        else:
            uvloop.install()
            loop_name = "uvloop"
    asyncio.run(serve(args.port, args.total, loop_name))


if __name__ == "__main__":
    main()
