"""What the features over the client (bulk, watch, health) use of it, as a Protocol.

The client builds those features, so they cannot import it back without an import
circle: they type it through :class:`AsyncClientAPI`, which the client satisfies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._health_stats import HealthCheck
    from ._ratelimit._status import RateLimitStatus
    from .config import CodegenConfig
    from .models import AgentRun, Page, User
    from .options import RequestOptions

__all__ = ["AsyncClientAPI"]


class AsyncClientAPI(Protocol):
    """The part of :class:`AsyncCodegenClient` that its features call."""

    @property
    def config(self) -> CodegenConfig: ...

    def get_rate_limit_status(self) -> RateLimitStatus: ...

    async def health_check(self, *, timeout: float = ...) -> HealthCheck: ...

    async def get_current_user(self, **options: Unpack[RequestOptions]) -> User: ...

    async def create_agent_run(
        self,
        org_id: int | None,
        prompt: str,
        metadata: dict[str, Any] | None = ...,
        *,
        images: list[str] | None = ...,
        repo_id: int | None = ...,
        model: str | None = ...,
        agent_type: str | None = ...,
        **options: Unpack[RequestOptions],
    ) -> AgentRun: ...

    async def get_agent_run(
        self,
        org_id: int | None,
        run_id: int,
        *,
        cache: bool = ...,
        **options: Unpack[RequestOptions],
    ) -> AgentRun: ...

    async def get_agent_runs(
        self,
        org_id: int | None = ...,
        page: int = ...,
        per_page: int = ...,
        *,
        user_id: int | None = ...,
        source_type: str | None = ...,
        cache: bool = ...,
        **options: Unpack[RequestOptions],
    ) -> Page[AgentRun]: ...

    async def resume_agent_run(
        self,
        org_id: int | None,
        run_id: int,
        prompt: str,
        *,
        images: list[str] | None = ...,
        **options: Unpack[RequestOptions],
    ) -> AgentRun: ...
