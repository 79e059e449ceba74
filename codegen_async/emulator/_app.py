"""The aiohttp.web application: routes, and the pipeline every API request goes through.

Pipeline: route (404/405 as Starlette answers them) -> bearer auth (401) -> accounting ->
injected latency and pre-processing faults -> rate limit (429) -> handler -> post-processing
faults -> response.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ._accounting import CreateRecord
from ._context import Context, Reply
from ._faults import abort, error_response, slow_response
from ._handlers import OPERATIONS, Operation
from ._schemas import encode, error_body

__all__ = ["CONTEXT_KEY", "make_app"]

CONTEXT_KEY = web.AppKey("codegen_emulator_context", Context)

_JSON = "application/json"
_RATE_LIMITED = error_body("Rate limit exceeded. Please try again later.", 429)
_UNAUTHENTICATED = encode({"detail": "Not authenticated"})
_INVALID_TOKEN = encode({"detail": "Invalid or expired API token."})
_NOT_FOUND = encode({"detail": "Not Found"})
_NOT_ALLOWED = encode({"detail": "Method Not Allowed"})

RequestHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(status: int, body: bytes, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=body, content_type=_JSON, headers=headers)


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _endpoint(ctx: Context, op: Operation) -> RequestHandler:
    """Wrap one operation's handler in the request pipeline."""
    world = ctx.world
    accounting = ctx.accounting
    limiter = ctx.limiter
    group = op.group if limiter.enabled else None
    name = op.name
    handler = op.handler
    creates = op.creates_runs
    retry_after = ctx.config.retry_after
    time_scale = ctx.config.time_scale

    def rate_limited(token: str, wait: float) -> web.Response:
        accounting.count(name, token, "rate_limited")
        accounting.count(name, token, "status_429")
        headers = None
        if retry_after:
            headers = {"Retry-After": str(max(1, math.ceil(wait * time_scale)))}
        return _json(429, _RATE_LIMITED, headers)

    async def endpoint(request: web.Request) -> web.StreamResponse:
        token = _bearer(request)
        if token is None:
            accounting.count(name, "<none>", "status_401")
            return _json(401, _UNAUTHENTICATED)
        user = world.user_for_token(token)
        if user is None:
            accounting.count(name, "<invalid>", "status_401")
            return _json(401, _INVALID_TOKEN)
        accounting.count(name, token, "requests")
        faults = ctx.faults
        decision = faults.decide(name, token) if faults is not None else None
        kind = None
        if decision is not None:
            kind = decision.kind
            if decision.delay > 0:
                if decision.spike:
                    accounting.count(name, token, "fault_latency_spike")
                await asyncio.sleep(decision.delay)
            if kind is not None:
                accounting.count(name, token, "faults")
                accounting.count(name, token, f"fault_{kind}")
            if kind == "drop_before":
                _record(ctx, op, token, None, None, kind, None)
                return abort(request)
            if kind == "error":
                status = decision.status or 500
                accounting.count(name, token, f"status_{status}")
                _record(ctx, op, token, status, None, kind, None)
                return error_response(status)
            if kind == "burst_429":
                _record(ctx, op, token, 429, None, kind, None)
                return rate_limited(token, 1.0)
        if group is not None:
            wait = limiter.hit(token, group)
            if wait is not None:
                _record(ctx, op, token, 429, None, None, None)
                return rate_limited(token, wait)
        reply = await handler(ctx, request, user)
        if reply.run_id is not None:
            accounting.count(name, token, "runs_created")
        if creates:
            _record(ctx, op, token, reply.status, reply, kind, request)
        if kind == "drop_after":
            return abort(request)
        accounting.count(name, token, f"status_{reply.status}")
        if kind == "malformed" and faults is not None:
            return _json(200, faults.malformed_body(reply.body))
        if kind == "slow_body" and faults is not None:
            return await slow_response(
                request, reply.status, reply.body, faults.config.slow_body_delay
            )
        return _json(reply.status, reply.body)

    return endpoint


def _record(
    ctx: Context,
    op: Operation,
    token: str,
    status: int | None,
    reply: Reply | None,
    fault: str | None,
    request: web.Request | None,
) -> None:
    if not op.creates_runs:
        return
    run_id = reply.run_id if reply is not None else None
    if fault == "drop_after":
        status = None
    elif fault == "malformed":
        status = 200
    prompt = None
    if run_id is not None:
        prompt = ctx.world.runs[run_id].prompt
    ctx.accounting.record_create(
        CreateRecord(
            seq=ctx.accounting.next_seq(),
            endpoint=op.name,
            token=token,
            status=status,
            created=run_id is not None,
            run_id=run_id,
            fault=fault,
            prompt=prompt,
        )
    )


@web.middleware
async def _starlette_errors(request: web.Request, handler: RequestHandler) -> web.StreamResponse:
    """Unknown routes and methods answer as Starlette does, with a ``{"detail"}`` body."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return _json(404, _NOT_FOUND)
    except web.HTTPMethodNotAllowed as exc:
        return _json(405, _NOT_ALLOWED, {"Allow": ", ".join(sorted(exc.allowed_methods))})


def _admin_routes(ctx: Context) -> list[web.RouteDef]:
    """``/_emulator/...``: accounting and control for tests. Not part of the Codegen API."""

    async def accounting(request: web.Request) -> web.Response:
        return _json(200, encode(ctx.accounting.snapshot()))

    async def reset_accounting(request: web.Request) -> web.Response:
        ctx.accounting.reset()
        return _json(200, b'{"ok":true}')

    async def advance(request: web.Request) -> web.Response:
        data: dict[str, Any] = await request.json()
        ctx.clock.advance(float(data.get("seconds", 0.0)))
        return _json(200, encode({"now": ctx.clock.now()}))

    async def reset_rate_limits(request: web.Request) -> web.Response:
        ctx.limiter.reset()
        return _json(200, b'{"ok":true}')

    async def seed(request: web.Request) -> web.Response:
        from ._seed import load_world

        load_world(ctx.world, await request.json())
        return _json(200, b'{"ok":true}')

    async def run_detail(request: web.Request) -> web.Response:
        run = ctx.world.runs.get(int(request.match_info["run_id"]))
        if run is None:
            return _json(404, _NOT_FOUND)
        segments = [
            {"start": s.start, "duration": s.duration, "outcome": s.outcome, "cut": s.cut}
            for s in run.segments
        ]
        return _json(
            200,
            encode(
                {
                    "id": run.id,
                    "status": run.status(ctx.clock.now()),
                    "user_id": run.user_id,
                    "prompt": run.prompt,
                    "banned": run.banned,
                    "segments": segments,
                }
            ),
        )

    return [
        web.get("/_emulator/accounting", accounting),
        web.post("/_emulator/accounting/reset", reset_accounting),
        web.post("/_emulator/clock/advance", advance),
        web.post("/_emulator/rate-limits/reset", reset_rate_limits),
        web.post("/_emulator/seed", seed),
        web.get("/_emulator/runs/{run_id:[0-9]+}", run_detail),
    ]


def make_app(ctx: Context) -> web.Application:
    """Build the application serving every operation of ``openapi.json``."""
    app = web.Application(middlewares=[_starlette_errors], client_max_size=16 * 1024**2)
    app[CONTEXT_KEY] = ctx
    for op in OPERATIONS:
        app.router.add_route(op.method, op.path, _endpoint(ctx, op), name=op.name)
    if ctx.config.admin_endpoints:
        app.router.add_routes(_admin_routes(ctx))
    return app
