"""The aiohttp.web application: routes, and the pipeline every API request goes through.

Pipeline: route (404/405 as Starlette answers them) -> bearer auth (401) -> accounting ->
injected latency and pre-processing faults -> rate limit (429) -> handler -> post-processing
faults -> response.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from aiohttp import web

from ._accounting import CreateRecord
from ._context import Context, Reply
from ._faults import BEFORE, Decision, abort, error_response, slow_response
from ._handlers import OPERATIONS, Operation, Refused
from ._schemas import encode, error_body

__all__ = ["CONTEXT_KEY", "make_app"]

CONTEXT_KEY = web.AppKey("codegen_emulator_context", Context)

_JSON = "application/json"
_RATE_LIMITED = error_body("Rate limit exceeded. Please try again later.", 429)
_UNAUTHENTICATED = encode({"detail": "Not authenticated"})
_INVALID_TOKEN = encode({"detail": "Invalid or expired API token."})
_NOT_FOUND = encode({"detail": "Not Found"})
_NOT_ALLOWED = encode({"detail": "Method Not Allowed"})
_INTERNAL = error_body("Internal server error.", 500)
_decode_json = msgspec.json.Decoder().decode

logger = logging.getLogger("codegen.emulator")

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


class _Endpoint:
    """One operation's handler wrapped in the request pipeline."""

    def __init__(self, ctx: Context, op: Operation) -> None:
        self.ctx = ctx
        self.world = ctx.world
        self.accounting = ctx.accounting
        self.limiter = ctx.limiter
        self.group = op.group if ctx.limiter.enabled else None
        self.name = op.name
        self.handler = op.handler
        self.creates = op.creates_runs
        self.retry_after = ctx.config.retry_after
        self.time_scale = ctx.config.time_scale

    def count(self, token: str, key: str) -> None:
        self.accounting.count(self.name, token, key)

    def record(self, token: str, status: int | None, fault: str | None, run_id: int | None) -> None:
        if self.creates:
            _record_create(self.ctx, self.name, token, status=status, fault=fault, run_id=run_id)

    def rate_limited(self, token: str, wait: float, fault: str | None) -> web.Response:
        self.count(token, "rate_limited")
        self.count(token, "status_429")
        self.record(token, 429, fault, None)
        headers = None
        if self.retry_after:
            headers = {"Retry-After": str(max(1, math.ceil(wait * self.time_scale)))}
        return _json(429, _RATE_LIMITED, headers)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        token = _bearer(request)
        if token is None:
            self.count("<none>", "status_401")
            return _json(401, _UNAUTHENTICATED)
        user = self.world.user_for_token(token)
        if user is None:
            self.count("<invalid>", "status_401")
            return _json(401, _INVALID_TOKEN)
        self.count(token, "requests")
        faults = self.ctx.faults
        kind = None
        if faults is not None:
            decision = faults.decide(self.name, token)
            kind = await self.inject_before(request, token, decision)
            if kind is not None and kind in BEFORE:
                return self.fail_before(request, token, kind, decision)
        if self.group is not None:
            wait = self.limiter.hit(token, self.group)
            if wait is not None:
                return self.rate_limited(token, wait, None)
        if kind == "late":
            return await self.act_late(request, token, user)
        reply = await self.act(request, user)
        if reply.run_id is not None:
            self.count(token, "runs_created")
        if kind is not None:
            return await self.fail_after(request, token, kind, reply)
        self.record(token, reply.status, None, reply.run_id)
        self.count(token, f"status_{reply.status}")
        return _json(reply.status, reply.body)

    async def act(self, request: web.Request, user: Any) -> Reply:
        """The handler's reply, or the reply refusing the request."""
        try:
            return await self.handler(self.ctx, request, user)
        except Refused as refused:
            return refused.reply

    async def act_late(self, request: web.Request, token: str, user: Any) -> web.StreamResponse:
        """Close the connection now; act on the request ``late_delay`` seconds later."""
        await request.read()  # kept by the request for the handler, after the connection
        faults = self.ctx.faults
        assert faults is not None
        delay = faults.config.late_delay

        async def later() -> None:
            await asyncio.sleep(delay)
            reply = await self.act(request, user)
            if reply.run_id is not None:
                self.count(token, "runs_created")
            self.record(token, None, "late", reply.run_id)

        self.ctx.act_later(later())
        return abort(request)

    async def inject_before(
        self, request: web.Request, token: str, decision: Decision
    ) -> str | None:
        """Sleep the drawn latency; count and return the fault kind."""
        if decision.delay > 0:
            if decision.spike:
                self.count(token, "fault_latency_spike")
            await asyncio.sleep(decision.delay)
        kind = decision.kind
        if kind is not None:
            self.count(token, "faults")
            self.count(token, f"fault_{kind}")
        return kind

    def fail_before(
        self, request: web.Request, token: str, kind: str, decision: Decision
    ) -> web.StreamResponse:
        """Faults before the request is acted on: nothing happens."""
        if kind == "burst_429":
            return self.rate_limited(token, 1.0, kind)
        if kind == "error":
            status = decision.status or 500
            self.count(token, f"status_{status}")
            self.record(token, status, kind, None)
            return error_response(status)
        self.record(token, None, kind, None)
        return abort(request)

    async def fail_after(
        self, request: web.Request, token: str, kind: str, reply: Reply
    ) -> web.StreamResponse:
        """Faults after the request was acted on: the action happened, the answer suffers."""
        faults = self.ctx.faults
        assert faults is not None
        if kind == "drop_after":
            self.record(token, None, kind, reply.run_id)
            return abort(request)
        status = 200 if kind == "malformed" else reply.status
        self.record(token, status, kind, reply.run_id)
        self.count(token, f"status_{status}")
        if kind == "malformed":
            return _json(200, faults.malformed_body(reply.body))
        return await slow_response(request, reply.status, reply.body, faults.config.slow_body_delay)


def _record_create(
    ctx: Context,
    endpoint: str,
    token: str,
    *,
    status: int | None,
    fault: str | None,
    run_id: int | None,
) -> None:
    prompt = ctx.world.runs[run_id].prompt if run_id is not None else None
    ctx.accounting.record_create(
        CreateRecord(
            seq=ctx.accounting.next_seq(),
            endpoint=endpoint,
            token=token,
            status=status,
            created=run_id is not None,
            run_id=run_id,
            fault=fault,
            prompt=prompt,
        )
    )


@web.middleware
async def _json_errors(request: web.Request, handler: RequestHandler) -> web.StreamResponse:
    """Every answer is JSON: unknown routes and methods as Starlette answers them (a
    ``{"detail"}`` body), aiohttp's own refusals (a body over the size limit, ...) and
    anything unforeseen in the API's ``{"message", "status_code"}`` shape."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return _json(404, _NOT_FOUND)
    except web.HTTPMethodNotAllowed as exc:
        return _json(405, _NOT_ALLOWED, {"Allow": ", ".join(sorted(exc.allowed_methods))})
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        reason = exc.text or exc.reason
        return _json(exc.status, error_body(reason, exc.status), {"Connection": "close"})
    except Exception:
        logger.exception("emulator: unexpected error answering %s %s", request.method, request.path)
        return _json(500, _INTERNAL)


class _BadAdminInput(Exception):
    """An admin request the emulator cannot act on (answered 422)."""


async def _admin_json(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return _decode_json(raw)
    except (msgspec.DecodeError, RecursionError):
        raise _BadAdminInput("the body must be JSON") from None


def _admin_errors(
    handler: Callable[[web.Request], Awaitable[web.Response]],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def guarded(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except _BadAdminInput as exc:
            return _json(422, encode({"detail": str(exc)}))

    return guarded


def _admin_routes(ctx: Context) -> list[web.RouteDef]:
    """``/_emulator/...``: accounting and control for tests. Not part of the Codegen API."""

    async def accounting(request: web.Request) -> web.Response:
        return _json(200, encode(ctx.accounting.snapshot()))

    async def reset_accounting(request: web.Request) -> web.Response:
        ctx.accounting.reset()
        return _json(200, b'{"ok":true}')

    async def advance(request: web.Request) -> web.Response:
        data = await _admin_json(request)
        seconds = data.get("seconds", 0.0) if isinstance(data, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise _BadAdminInput('expected {"seconds": <a number of emulated seconds>}')
        try:
            ctx.clock.advance(float(seconds))
        except ValueError as exc:
            raise _BadAdminInput(str(exc)) from None
        return _json(200, encode({"now": ctx.clock.now()}))

    async def reset_rate_limits(request: web.Request) -> web.Response:
        ctx.limiter.reset()
        return _json(200, b'{"ok":true}')

    async def seed(request: web.Request) -> web.Response:
        from ._seed import load_world

        data = await _admin_json(request)
        if not isinstance(data, dict):
            # A string would be read as a file path: never from a request.
            raise _BadAdminInput("expected a JSON object (see docs/emulator.md)")
        try:
            load_world(ctx.world, data)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise _BadAdminInput(f"cannot seed this world: {type(exc).__name__}: {exc}") from None
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
        web.post("/_emulator/clock/advance", _admin_errors(advance)),
        web.post("/_emulator/rate-limits/reset", reset_rate_limits),
        web.post("/_emulator/seed", _admin_errors(seed)),
        web.get("/_emulator/runs/{run_id:[0-9]+}", run_detail),
    ]


def make_app(ctx: Context) -> web.Application:
    """Build the application serving every operation of ``openapi.json``."""
    app = web.Application(middlewares=[_json_errors], client_max_size=16 * 1024**2)
    app[CONTEXT_KEY] = ctx
    for op in OPERATIONS:
        app.router.add_route(op.method, op.path, _Endpoint(ctx, op).handle, name=op.name)
    if ctx.config.admin_endpoints:
        app.router.add_routes(_admin_routes(ctx))

    async def stop_late(app: web.Application) -> None:
        await ctx.stop_late()

    app.on_shutdown.append(stop_late)
    return app
