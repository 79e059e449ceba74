"""``get_codegen_client``: one client per application, for FastAPI's ``Depends``."""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from ._client import AsyncCodegenClient

__all__ = ["get_codegen_client"]

logger = logging.getLogger("codegen")

# Where the application's client lives (app.state); named after the client class, so an
# app using both the async and the sync dependency keeps one client of each.
_STATE = f"codegen_{AsyncCodegenClient.__name__}"
# What the FastAPI integration's lifespan stores in each request's state.
_LIFESPAN_STATE = "codegen_client"
_creating = threading.Lock()


class _AppClientDependency:
    """Yield the application's client (created on first use, closed at shutdown).

    Made for FastAPI's ``Depends``::

        app = FastAPI()

        @app.get("/agent-runs/{org_id}")
        async def runs(org_id: int, client: AsyncCodegenClient = Depends(get_codegen_client)):
            page = await client.get_agent_runs(org_id)
            return {"runs": [run.dict() for run in page.items]}

    Every request of an application shares one client, configured from the ``CODEGEN_*``
    environment variables, so its connection pool, rate limiter and cache apply across
    requests; it is closed when the application shuts down. An app built with the
    FastAPI integration's ``codegen_lifespan`` gets that lifespan's client instead.
    An app with a lifespan of its own has no shutdown hook to close a shared client:
    there each request gets a client of its own, closed after it (use
    ``codegen_lifespan``, or open one client in your lifespan, to share one). Called
    outside FastAPI, without a request, it also yields a client of its own.
    """

    @property
    def __signature__(self) -> inspect.Signature:
        # FastAPI passes the request to a parameter annotated with Starlette's Request.
        # Imported here, so that importing this package never imports Starlette.
        from starlette.requests import Request

        parameter = inspect.Parameter(
            "request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request
        )
        return inspect.Signature([parameter])

    async def __call__(self, request: Any = None) -> AsyncIterator[AsyncCodegenClient]:
        shared = _shared_client(request) if request is not None else None
        if shared is not None:
            yield shared
            return
        async with AsyncCodegenClient() as client:
            yield client

    def __repr__(self) -> str:
        return "<get_codegen_client: one client per application>"


def _shared_client(request: Any) -> AsyncCodegenClient | None:
    """The client of the request's application, or ``None`` if it cannot be shared."""
    from_lifespan = getattr(request.state, _LIFESPAN_STATE, None)
    if isinstance(from_lifespan, AsyncCodegenClient):
        return from_lifespan
    app = request.app
    client = getattr(app.state, _STATE, None)
    if isinstance(client, AsyncCodegenClient):
        return client
    on_shutdown = _shutdown_hooks(app)
    if on_shutdown is None:
        logger.warning(
            "get_codegen_client: this app has its own lifespan, so a shared client could "
            "not be closed at shutdown; each request gets its own client (use the FastAPI "
            "integration's codegen_lifespan to share one)"
        )
        return None
    with _creating:  # two first requests at once (threads, for the sync client)
        existing = getattr(app.state, _STATE, None)
        if isinstance(existing, AsyncCodegenClient):
            return existing
        created = AsyncCodegenClient()
        setattr(app.state, _STATE, created)

    async def close() -> None:
        if getattr(app.state, _STATE, None) is created:
            delattr(app.state, _STATE)
        await created.aclose()

    on_shutdown.append(close)
    return created


def _shutdown_hooks(app: Any) -> list[Any] | None:
    """The app's ``on_shutdown`` list, if its lifespan runs it (FastAPI's default one)."""
    try:
        from fastapi.routing import _DefaultLifespan
    except ImportError:
        return None
    router = getattr(app, "router", None)
    hooks = getattr(router, "on_shutdown", None)
    runs_hooks = isinstance(getattr(router, "lifespan_context", None), _DefaultLifespan)
    return hooks if runs_hooks and isinstance(hooks, list) else None


get_codegen_client = _AppClientDependency()
"""FastAPI dependency yielding the application's one client (see the class's docs)."""
