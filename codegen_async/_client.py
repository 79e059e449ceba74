"""``AsyncCodegenClient``: every endpoint of the Codegen API plus the conveniences."""

from __future__ import annotations

from typing import Any

import msgspec

from ._backend import monotonic
from ._orgs import AsyncOrganizationsAPI
from ._runs import AsyncAgentRunsAPI
from .errors import CodegenAPIError, CodegenError, RateLimitError

__all__ = ["AsyncCodegenClient"]

_ANY = msgspec.json.Decoder()
# A health check slower than this reports "degraded".
_SLOW_SECONDS = 2.0


class AsyncCodegenClient(AsyncAgentRunsAPI, AsyncOrganizationsAPI):
    """Client for the Codegen agent API.

    Create it with a :class:`CodegenConfig` (or keyword settings; anything left out
    comes from ``CODEGEN_*`` environment variables) and close it when done, best with
    ``async with AsyncCodegenClient() as client:``. Methods that take ``org_id`` use the
    configured one when it is left out. Every method raises a :class:`CodegenError`
    subclass on failure, never a lower-layer exception.

    Example::

        async with AsyncCodegenClient(api_token="sk-...", org_id=323) as client:
            run = await client.create_agent_run(prompt="Fix the flaky test")
            run = await client.wait_for_completion(run_id=run.id, timeout=600)
    """

    async def health_check(self, *, timeout: float = 10.0) -> dict[str, Any]:
        """Check the API with its cheapest authenticated call; never raises.

        Returns ``{"status": "healthy" | "degraded" | "unhealthy", "healthy": bool,
        "latency_ms": float, "reason": str | None}``. A rate-limited or slow answer is
        "degraded" (the API works); an error or no answer is "unhealthy".
        """
        started = monotonic()
        status, reason = "healthy", None
        try:
            await self._transport.request(
                "GET", "/v1/users/me", _ANY, cache=False, timeout=timeout, max_retries=0
            )
        except RateLimitError:
            status, reason = "degraded", "rate limited"
        except CodegenAPIError as exc:
            status, reason = "unhealthy", f"{type(exc).__name__}: {exc.status_code} {exc.detail}"
        except CodegenError as exc:
            status, reason = "unhealthy", f"{type(exc).__name__}: {exc.message}"
        latency = monotonic() - started
        if status == "healthy" and latency > _SLOW_SECONDS:
            status, reason = "degraded", f"slow answer ({latency:.1f} s)"
        return {
            "status": status,
            "healthy": status != "unhealthy",
            "latency_ms": round(latency * 1000, 2),
            "reason": reason,
        }
