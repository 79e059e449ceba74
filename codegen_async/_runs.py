"""Agent-run endpoints: create, get, list, stream, resume, wait (logs and bans live apart)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, overload

import msgspec

from ._base import AsyncBaseClient
from ._http._backend import monotonic, sleep
from ._http._bodies import CreateAgentRunBody, ResumeAgentRunBody, encode
from ._http._hooks import before_send_hook
from ._http._validate import (
    check_bool,
    check_count,
    check_id,
    check_json,
    check_optional_str,
    check_page,
    check_positive,
    check_prompt,
    check_source_type,
    check_str_list,
    normalize_statuses,
)
from .errors import DecodeError, ValidationError, WaitTimeoutError
from .models import AgentRun, Page
from .options import RequestOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["AsyncAgentRunsAPI"]

_RUN = msgspec.json.Decoder(AgentRun)
_RUN_PAGE = msgspec.json.Decoder(Page[AgentRun])
_AGENT_TYPES = frozenset({"codegen", "claude_code"})
# Pages in a row with no run the page before did not hold, before a listing gives up.
_MAX_STALE_PAGES = 3


# A finished run never changes: the cache keeps it until evicted.
_finished = attrgetter("is_terminal")


def _runs_query(
    skip: int, limit: int, user_id: int | None, source_type: str | None
) -> dict[str, Any]:
    """The query of a run listing, its filters checked."""
    return {
        "skip": skip,
        "limit": limit,
        "user_id": check_id("user_id", user_id) if user_id is not None else None,
        "source_type": check_source_type(source_type),
    }


class AsyncAgentRunsAPI(AsyncBaseClient):
    """Methods for agent runs (mixed into the client).

    A method that needs an id (or a prompt) takes it after ``org_id``, positionally or
    by keyword: ``get_agent_run(323, 42)`` or ``get_agent_run(run_id=42)``. Its two
    ``@overload`` forms say so to type checkers, so that a call without the id is a type
    error; the implementation below them checks it again at run time.
    """

    @overload
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

    @overload
    async def create_agent_run(
        self,
        *,
        prompt: str,
        org_id: int | None = ...,
        metadata: dict[str, Any] | None = ...,
        images: list[str] | None = ...,
        repo_id: int | None = ...,
        model: str | None = ...,
        agent_type: str | None = ...,
        **options: Unpack[RequestOptions],
    ) -> AgentRun: ...

    async def create_agent_run(
        self,
        org_id: int | None = None,
        prompt: str | None = None,
        metadata: dict[str, Any] | None = None,
        *,
        images: list[str] | None = None,
        repo_id: int | None = None,
        model: str | None = None,
        agent_type: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AgentRun:
        """Start an agent run with ``prompt``; returns it in status ``ACTIVE``.

        ``metadata`` is stored with the run and echoed back; ``images`` are base64 data
        URIs. The request is never resent after the server may have acted on it: an
        unknown outcome raises :class:`OutcomeUnknownError` instead of risking a duplicate.
        """
        org = self._org(org_id)
        if metadata is not None and not isinstance(metadata, dict):
            raise ValidationError(f"metadata must be a dict, got {type(metadata).__name__}")
        body = CreateAgentRunBody(
            prompt=check_prompt(prompt),
            metadata=check_json("metadata", metadata) if metadata is not None else None,
            images=check_str_list("images", images) if images is not None else None,
            repo_id=check_id("repo_id", repo_id) if repo_id is not None else None,
            model=check_optional_str("model", model),
            agent_type=_agent_type(agent_type),
        )
        return await self._transport.request(
            "POST",
            f"/v1/organizations/{org}/agent/run",
            _RUN,
            group="create_run",
            body=encode(body),
            idempotent=False,
            options=options,
            invalidates=f"/v1/organizations/{org}/agent/runs",
            before_send=before_send_hook(),
        )

    @overload
    async def get_agent_run(
        self,
        org_id: int | None,
        run_id: int,
        *,
        cache: bool = ...,
        **options: Unpack[RequestOptions],
    ) -> AgentRun: ...

    @overload
    async def get_agent_run(
        self,
        *,
        run_id: int,
        org_id: int | None = ...,
        cache: bool = ...,
        **options: Unpack[RequestOptions],
    ) -> AgentRun: ...

    async def get_agent_run(
        self,
        org_id: int | None = None,
        run_id: int | None = None,
        *,
        cache: bool = True,
        **options: Unpack[RequestOptions],
    ) -> AgentRun:
        """Fetch one agent run. A finished run may be served from the cache, if enabled."""
        org = self._org(org_id)
        run = check_id("run_id", run_id)
        return await self._transport.request(
            "GET",
            f"/v1/organizations/{org}/agent/run/{run}",
            _RUN,
            cache=check_bool("cache", cache),
            cache_forever=_finished,
            options=options,
        )

    async def get_agent_runs(
        self,
        org_id: int | None = None,
        page: int = 1,
        per_page: int = 100,
        *,
        user_id: int | None = None,
        source_type: str | None = None,
        cache: bool = True,
        **options: Unpack[RequestOptions],
    ) -> Page[AgentRun]:
        """One page of agent runs, newest first (``page`` from 1, ``per_page`` up to 100).

        Filters: ``user_id`` (runs that user started), ``source_type`` (e.g. ``"API"``).
        """
        org = self._org(org_id)
        skip, limit = check_page(page, per_page)
        # The transport is called here, not through a helper: in the async client a
        # helper coroutine would add an await level to every call.
        return await self._transport.request(
            "GET",
            f"/v1/organizations/{org}/agent/runs",
            _RUN_PAGE,
            query=_runs_query(skip, limit, user_id, source_type),
            cache=check_bool("cache", cache),
            options=options,
        )

    async def stream_agent_runs(
        self,
        org_id: int | None = None,
        status: str | Iterable[str] | None = None,
        *,
        user_id: int | None = None,
        source_type: str | None = None,
        per_page: int = 100,
        max_items: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncIterator[AgentRun]:
        """Every agent run across all pages, newest first, fetched one page at a time.

        ``status`` filters client-side, case-insensitively (``"completed"`` matches
        ``COMPLETE``); a run seen on the previous page (shifted by a new run) is skipped.
        The per-call ``options`` apply to each page's request.
        """
        org = self._org(org_id)
        wanted = normalize_statuses(status)
        check_page(1, per_page)
        check_source_type(source_type)
        if max_items is not None:
            check_count("max_items", max_items)
        yielded, skip, previous, stale = 0, 0, frozenset[int](), 0
        path = f"/v1/organizations/{org}/agent/runs"
        while max_items is None or yielded < max_items:
            page = await self._transport.request(
                "GET",
                path,
                _RUN_PAGE,
                query=_runs_query(skip, per_page, user_id, source_type),
                cache=False,
                remember=False,  # a stream never reads its pages back: keep them out
                options=options,
            )
            fresh = False
            for run in page.items:
                if run.id in previous:
                    continue
                fresh = True
                if wanted is None or (run.status or "").upper() in wanted:
                    yield run
                    yielded += 1
                    if max_items is not None and yielded >= max_items:
                        return
            if len(page.items) < per_page or skip + per_page >= page.total:
                return
            # A page with nothing new: new runs shifted the listing by a whole page (rare,
            # and never for long), or the server ignores `skip` and would be asked for
            # the same page without end.
            stale = 0 if fresh else stale + 1
            if stale >= _MAX_STALE_PAGES:
                raise DecodeError(
                    f"the server ignores `skip`: {stale} pages in a row (up to skip={skip}) "
                    "held only runs of the page before; the listing makes no progress",
                    method="GET",
                    url=self.config.base_url.rstrip("/") + path,
                )
            previous = frozenset(run.id for run in page.items)
            skip += per_page

    @overload
    async def resume_agent_run(
        self,
        org_id: int | None,
        run_id: int,
        prompt: str,
        *,
        images: list[str] | None = ...,
        **options: Unpack[RequestOptions],
    ) -> AgentRun: ...

    @overload
    async def resume_agent_run(
        self,
        *,
        run_id: int,
        prompt: str,
        org_id: int | None = ...,
        images: list[str] | None = ...,
        **options: Unpack[RequestOptions],
    ) -> AgentRun: ...

    async def resume_agent_run(
        self,
        org_id: int | None = None,
        run_id: int | None = None,
        prompt: str | None = None,
        *,
        images: list[str] | None = None,
        **options: Unpack[RequestOptions],
    ) -> AgentRun:
        """Resume a paused (or finished) run with a follow-up ``prompt``."""
        org = self._org(org_id)
        body = ResumeAgentRunBody(
            agent_run_id=check_id("run_id", run_id),
            prompt=check_prompt(prompt),
            images=check_str_list("images", images) if images is not None else None,
        )
        return await self._transport.request(
            "POST",
            f"/v1/organizations/{org}/agent/run/resume",
            _RUN,
            body=encode(body),
            idempotent=False,
            options=options,
            invalidates=f"/v1/organizations/{org}/agent/run",
        )

    @overload
    async def wait_for_completion(
        self,
        org_id: int | None,
        run_id: int,
        timeout: float = ...,
        poll_interval: float | None = ...,
        *,
        max_poll_interval: float = ...,
    ) -> AgentRun: ...

    @overload
    async def wait_for_completion(
        self,
        *,
        run_id: int,
        org_id: int | None = ...,
        timeout: float = ...,
        poll_interval: float | None = ...,
        max_poll_interval: float = ...,
    ) -> AgentRun: ...

    async def wait_for_completion(
        self,
        org_id: int | None = None,
        run_id: int | None = None,
        timeout: float = 300.0,
        poll_interval: float | None = None,
        *,
        max_poll_interval: float = 30.0,
    ) -> AgentRun:
        """Poll a run until it reaches a terminal status; return the final run.

        Polls start every ``poll_interval`` seconds and back off by 1.5x up to
        ``max_poll_interval``, within the rate limit, never reading the cache. Raises
        :class:`WaitTimeoutError` (with ``.last_run``) after ``timeout`` seconds.
        """
        org, run = self._org(org_id), check_id("run_id", run_id)
        timeout = check_positive("timeout", timeout)
        interval = self.config.poll_interval if poll_interval is None else poll_interval
        interval = check_positive("poll_interval", interval)
        max_poll_interval = check_positive("max_poll_interval", max_poll_interval)
        deadline = monotonic() + timeout
        last: AgentRun | None = None
        while True:
            last = await self.get_agent_run(org, run, cache=False)
            if last.is_terminal:
                return last
            left = deadline - monotonic()
            if left <= 0:
                raise WaitTimeoutError(
                    f"agent run {run} still {last.status} after {timeout:g} s", last_run=last
                )
            await sleep(min(interval, left))
            interval = min(interval * 1.5, max(max_poll_interval, interval))


def _agent_type(value: Any) -> str | None:
    if value is not None and value not in _AGENT_TYPES:
        raise ValidationError(f"agent_type must be 'codegen' or 'claude_code', got {value!r}")
    return value  # type: ignore[no-any-return]
