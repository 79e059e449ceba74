"""FastAPI: one ``AsyncCodegenClient`` for the app's lifetime, and a webhook router.

``get_codegen_client`` (from the package root) shares one client per application,
closed at shutdown, when the app runs FastAPI's default lifespan. With a lifespan of
your own, or to configure the client in code, tie it to the lifespan here; an async
client never blocks the event loop::

    from fastapi import Depends, FastAPI
    from codegen_async import AsyncCodegenClient
    from codegen_async.integrations.fastapi import codegen_lifespan, get_async_codegen_client

    app = FastAPI(lifespan=codegen_lifespan())

    @app.get("/agent-runs/{org_id}")
    async def runs(org_id: int, client: AsyncCodegenClient = Depends(get_async_codegen_client)):
        page = await client.get_agent_runs(org_id)
        return {"runs": [run.dict() for run in page.items]}
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request

from .. import AsyncCodegenClient
from ..config import CodegenConfig
from ..errors import CodegenError
from ..webhooks import WebhookHandler
from ._common import DEFAULT_WEBHOOK_PATH
from .starlette import webhook_endpoint

__all__ = ["STATE_KEY", "codegen_lifespan", "get_async_codegen_client", "webhook_router"]

STATE_KEY = "codegen_client"
"""Name of the client in the lifespan state (``request.state.codegen_client``)."""


def codegen_lifespan(
    config: CodegenConfig | None = None, **overrides: Any
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[dict[str, Any]]]:
    """A lifespan for ``FastAPI(lifespan=...)`` holding one client while the app runs.

    ``config`` / ``overrides`` are those of :class:`AsyncCodegenClient` (by default the
    ``CODEGEN_*`` environment variables). The client is closed when the app shuts down.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        async with AsyncCodegenClient(config, **overrides) as client:
            yield {STATE_KEY: client}

    return lifespan


def get_async_codegen_client(request: Request) -> AsyncCodegenClient:
    """Dependency: the app's client from :func:`codegen_lifespan`."""
    client = getattr(request.state, STATE_KEY, None)
    if not isinstance(client, AsyncCodegenClient):
        raise CodegenError(
            "no AsyncCodegenClient in the app's state: create the app with "
            "FastAPI(lifespan=codegen_lifespan())"
        )
    return client


def webhook_router(handler: WebhookHandler, path: str = DEFAULT_WEBHOOK_PATH) -> APIRouter:
    """A router receiving webhooks at ``POST path``: ``app.include_router(webhook_router(h))``."""
    router = APIRouter()
    router.add_route(path, webhook_endpoint(handler), methods=["POST"], include_in_schema=False)
    return router
