"""``get_codegen_client``: a client per request, for dependency injection (FastAPI ``Depends``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ._client import AsyncCodegenClient

__all__ = ["get_codegen_client"]


async def get_codegen_client() -> AsyncIterator[AsyncCodegenClient]:
    """Yield a client configured from ``CODEGEN_*`` environment variables; close it after.

    Made for FastAPI's ``Depends`` (which runs it once per request)::

        @app.get("/agent-runs/{org_id}")
        async def runs(org_id: int, client: AsyncCodegenClient = Depends(get_codegen_client)):
            page = await client.get_agent_runs(org_id)
            return {"runs": [run.dict() for run in page.items]}

    Each request gets its own connection pool. In an async app, prefer one client for
    the app's lifetime: ``codegen_async.integrations.fastapi.codegen_lifespan``.
    """
    async with AsyncCodegenClient() as client:
        yield client
