"""Seeded, reproducible fault injection."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from aiohttp import web

from ._config import FaultConfig

__all__ = [
    "BEFORE",
    "NO_FAULT",
    "Decision",
    "FaultInjector",
    "abort",
    "error_response",
    "slow_response",
]

BEFORE = frozenset({"drop_before", "error", "burst_429"})
"""Faults that happen before the request is acted on."""

_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass(frozen=True)
class Decision:
    """The faults drawn for one request."""

    kind: str | None
    """``drop_before``, ``error``, ``burst_429``, ``drop_after``, ``late``, ``malformed``,
    ``slow_body`` or ``None``."""
    delay: float
    """Wall seconds of added latency."""
    spike: bool
    status: int | None = None
    """The status of an ``error`` fault."""


NO_FAULT = Decision(None, 0.0, False)


class FaultInjector:
    """Draws faults per request from one ``random.Random(seed)``: same seed and same request
    order give the same faults."""

    def __init__(self, config: FaultConfig, seed: int) -> None:
        self.config = config
        self._rng = random.Random(seed)
        self._bursts: dict[str, int] = {}
        c = config
        self._table: list[tuple[float, str]] = []
        edge = 0.0
        for rate, kind in (
            (c.drop_before_rate, "drop_before"),
            (c.error_rate, "error"),
            (c.burst_429_rate, "burst_429"),
            (c.drop_after_rate, "drop_after"),
            (c.late_rate, "late"),
            (c.malformed_rate, "malformed"),
            (c.slow_body_rate, "slow_body"),
        ):
            if rate > 0:
                edge += rate
                self._table.append((edge, kind))

    def decide(self, endpoint: str, token: str) -> Decision:
        """The faults for one request to ``endpoint`` with ``token``."""
        c = self.config
        if c.endpoints is not None and endpoint not in c.endpoints:
            return NO_FAULT
        rng = self._rng
        delay = c.latency
        if c.latency_jitter:
            delay += rng.uniform(0.0, c.latency_jitter)
        spike = bool(c.spike_rate) and rng.random() < c.spike_rate
        if spike:
            delay += c.spike_latency
        remaining = self._bursts.get(token, 0)
        if remaining > 0:
            self._bursts[token] = remaining - 1
            return Decision("burst_429", delay, spike)
        kind: str | None = None
        if self._table:
            u = rng.random()
            for edge, name in self._table:
                if u < edge:
                    kind = name
                    break
        status = None
        if kind == "error":
            status = rng.choice(c.error_statuses)
        elif kind == "burst_429":
            self._bursts[token] = max(0, c.burst_429_length - 1)
        return Decision(kind, delay, spike, status)

    def malformed_body(self, body: bytes) -> bytes:
        """A truncated body, or one that is not JSON at all."""
        if len(body) > 2 and self._rng.random() < 0.5:
            return body[: self._rng.randint(1, len(body) - 1)]
        return b'{"id": 1, "status": ' + b"\x00<html>Bad Gateway</html>"


def error_response(status: int) -> web.Response:
    """A proxy-style 5xx: a plain-text body, not JSON."""
    return web.Response(status=status, text=_REASONS.get(status, "Server Error"))


def abort(request: web.Request) -> web.StreamResponse:
    """Close the connection without a response.

    Aborting the transport makes aiohttp's write of the returned response fail with a
    ConnectionError, which it treats as a client disconnect: the client sees the
    connection closed with no status line, and nothing is logged.
    """
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=500)


async def slow_response(
    request: web.Request, status: int, body: bytes, delay: float
) -> web.StreamResponse:
    """Send headers, then trickle the body in four chunks, each after ``delay / 4`` seconds."""
    resp = web.StreamResponse(status=status, headers={"Content-Type": "application/json"})
    resp.content_length = len(body)
    await resp.prepare(request)
    step = max(1, len(body) // 4 + 1)
    for i in range(0, len(body), step):
        await asyncio.sleep(delay / 4)
        await resp.write(body[i : i + step])
    await resp.write_eof()
    return resp
