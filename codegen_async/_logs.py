"""Agent-run logs: one page, or every entry page by page (alpha endpoint)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, overload

import msgspec

from ._base import AsyncBaseClient
from ._http._validate import check_bool, check_id, check_skip_limit
from .models import AgentRunLog, AgentRunWithLogs
from .options import RequestOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["AsyncRunLogsAPI"]

_RUN_LOGS = msgspec.json.Decoder(AgentRunWithLogs)


class AsyncRunLogsAPI(AsyncBaseClient):
    """Run logs (mixed into the client); required ids as in
    :class:`~._runs.AsyncAgentRunsAPI` (two ``@overload`` forms each)."""

    @overload
    async def get_agent_run_logs(
        self,
        org_id: int | None,
        run_id: int,
        *,
        skip: int = ...,
        limit: int = ...,
        reverse: bool = ...,
        **options: Unpack[RequestOptions],
    ) -> AgentRunWithLogs: ...

    @overload
    async def get_agent_run_logs(
        self,
        *,
        run_id: int,
        org_id: int | None = ...,
        skip: int = ...,
        limit: int = ...,
        reverse: bool = ...,
        **options: Unpack[RequestOptions],
    ) -> AgentRunWithLogs: ...

    async def get_agent_run_logs(
        self,
        org_id: int | None = None,
        run_id: int | None = None,
        *,
        skip: int = 0,
        limit: int = 100,
        reverse: bool = False,
        **options: Unpack[RequestOptions],
    ) -> AgentRunWithLogs:
        """The run plus one page of its trace logs (alpha endpoint; 60 per minute)."""
        org = self._org(org_id)
        run = check_id("run_id", run_id)
        skip, limit = check_skip_limit(skip, limit)
        reverse = check_bool("reverse", reverse)
        query = {"skip": skip, "limit": limit, "reverse": "true" if reverse else "false"}
        return await self._transport.request(
            "GET",
            f"/v1/alpha/organizations/{org}/agent/run/{run}/logs",
            _RUN_LOGS,
            group="logs",
            query=query,
            cache=False,
            options=options,
        )

    @overload
    def stream_agent_run_logs(
        self,
        org_id: int | None,
        run_id: int,
        *,
        reverse: bool = ...,
        **options: Unpack[RequestOptions],
    ) -> AsyncIterator[AgentRunLog]: ...

    @overload
    def stream_agent_run_logs(
        self,
        *,
        run_id: int,
        org_id: int | None = ...,
        reverse: bool = ...,
        **options: Unpack[RequestOptions],
    ) -> AsyncIterator[AgentRunLog]: ...

    async def stream_agent_run_logs(
        self,
        org_id: int | None = None,
        run_id: int | None = None,
        *,
        reverse: bool = False,
        **options: Unpack[RequestOptions],
    ) -> AsyncIterator[AgentRunLog]:
        """Every log entry of a run, page by page (chronological unless ``reverse``); the
        per-call ``options`` apply to each page's request."""
        org, run = self._org(org_id), check_id("run_id", run_id)
        reverse = check_bool("reverse", reverse)
        skip = 0
        while True:
            page = await self.get_agent_run_logs(org, run, skip=skip, reverse=reverse, **options)
            for entry in page.logs:
                yield entry
            if len(page.logs) < 100:
                return
            skip += 100
