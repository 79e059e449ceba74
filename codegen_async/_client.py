"""``AsyncCodegenClient``: every endpoint of the Codegen API plus the conveniences."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from ._bans import AsyncRunBansAPI
from ._http._backend import monotonic
from ._http._types import NOT_GIVEN, NotGiven
from ._http._validate import check_timeout
from ._logs import AsyncRunLogsAPI
from ._orgs import AsyncOrganizationsAPI
from ._raw import raw
from ._request import AsyncRequestAPI
from ._runs import AsyncAgentRunsAPI
from .errors import CodegenAPIError, CodegenError, RateLimitError, ValidationError

# The bulk runner, watcher and health monitor load on first use: importing the client
# stays cheap for the many programs that never touch them.
if TYPE_CHECKING:
    from ._bulk._jobfile import JobFile
    from ._bulk._operations import AsyncBulkOperations
    from ._bulk._types import BulkProgress, BulkResult, JobOrigin
    from ._health import AsyncHealthMonitor
    from ._health_stats import HealthCheck
    from ._watch import AsyncRunWatcher
    from .events import RunEvent
    from .models import AgentRun

__all__ = ["AsyncCodegenClient"]

_ANY = msgspec.json.Decoder()
# A health check slower than this reports "degraded".
_SLOW_SECONDS = 2.0


class AsyncCodegenClient(
    AsyncAgentRunsAPI, AsyncRunLogsAPI, AsyncRunBansAPI, AsyncOrganizationsAPI, AsyncRequestAPI
):
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

    @property
    def with_raw_response(self) -> AsyncRawResponses:
        """The endpoint methods, each returning the :class:`APIResponse` (status, headers,
        request id, elapsed time) its value came in: ``.parse()`` gives the value."""
        return AsyncRawResponses(self)

    async def health_check(self, *, timeout: float = 10.0) -> HealthCheck:
        """Check the API with its cheapest authenticated call; never raises.

        Returns ``{"status": "healthy" | "degraded" | "unhealthy", "healthy": bool,
        "latency_ms": float, "reason": str | None}``. A rate-limited or slow answer is
        "degraded" (the API works); an error or no answer is "unhealthy".
        """
        check_timeout(timeout)  # a bad timeout is the caller's error, raised now
        started = monotonic()
        status: Literal["healthy", "degraded", "unhealthy"] = "healthy"
        reason: str | None = None
        try:
            await self._transport.request(
                "GET",
                "/v1/users/me",
                _ANY,
                cache=False,
                remember=False,
                timeout=timeout,
                max_retries=0,
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

    # -- bulk jobs and watching many runs (see docs/bulk.md) ------------------------------
    # Settings left out are NOT_GIVEN and not passed on: the runner's or the watcher's own
    # signature holds every default, once.

    def bulk_operations(
        self,
        *,
        max_concurrent: int | NotGiven = NOT_GIVEN,
        max_attempts: int | NotGiven = NOT_GIVEN,
        reconcile_rounds: int | NotGiven = NOT_GIVEN,
        reconcile_grace: float | NotGiven | None = NOT_GIVEN,
        clock_skew: float | NotGiven = NOT_GIVEN,
        resend_unknown: bool | NotGiven = NOT_GIVEN,
    ) -> AsyncBulkOperations:
        """A bulk runner bound to this client: many creates (each exactly once), gets and
        resumes, with progress. Use it as ``async with client.bulk_operations() as bulk:``.

        The settings are :class:`AsyncBulkOperations`'s (its defaults where left out).
        """
        from ._bulk._operations import AsyncBulkOperations

        return AsyncBulkOperations(
            self,
            **_given(
                max_concurrent=max_concurrent,
                max_attempts=max_attempts,
                reconcile_rounds=reconcile_rounds,
                reconcile_grace=reconcile_grace,
                clock_skew=clock_skew,
                resend_unknown=resend_unknown,
            ),
        )

    async def bulk_create_agent_runs(
        self,
        org_id: int | None,
        configs: Iterable[Mapping[str, Any]],
        max_concurrent: int | NotGiven = NOT_GIVEN,
        *,
        job_id: str | NotGiven | None = NOT_GIVEN,
        results_file: str | JobFile | NotGiven | None = NOT_GIVEN,
        previous: Mapping[int, BulkResult] | NotGiven | None = NOT_GIVEN,
        origin: JobOrigin | NotGiven | None = NOT_GIVEN,
        reconcile: bool | NotGiven = NOT_GIVEN,
        audit: bool | NotGiven = NOT_GIVEN,
        on_progress: Callable[[BulkProgress], None] | NotGiven | None = NOT_GIVEN,
        on_result: Callable[[BulkResult], None] | NotGiven | None = NOT_GIVEN,
        on_send: Callable[[int, str], None] | NotGiven | None = NOT_GIVEN,
        progress: bool | NotGiven = NOT_GIVEN,
    ) -> list[BulkResult]:
        """Create one run per config, each exactly once; one :class:`BulkResult` per config,
        in order. The options are :meth:`AsyncBulkOperations.create_agent_runs`'s."""
        from ._bulk._operations import AsyncBulkOperations

        bulk = AsyncBulkOperations(self, **_given(max_concurrent=max_concurrent))
        return await bulk.create_agent_runs(
            org_id,
            configs,
            **_given(
                job_id=job_id,
                results_file=results_file,
                previous=previous,
                origin=origin,
                reconcile=reconcile,
                audit=audit,
                on_progress=on_progress,
                on_result=on_result,
                on_send=on_send,
                progress=progress,
            ),
        )

    async def bulk_get_agent_runs(
        self,
        org_id: int | None,
        run_ids: Iterable[int],
        max_concurrent: int | NotGiven = NOT_GIVEN,
    ) -> list[BulkResult]:
        """Fetch many runs with single GETs; one :class:`BulkResult` per id, in order."""
        from ._bulk._operations import AsyncBulkOperations

        bulk = AsyncBulkOperations(self, **_given(max_concurrent=max_concurrent))
        return await bulk.get_agent_runs(org_id, run_ids)

    async def bulk_resume_agent_runs(
        self,
        org_id: int | None,
        items: Iterable[tuple[int, str] | Mapping[str, Any]],
        max_concurrent: int | NotGiven = NOT_GIVEN,
    ) -> list[BulkResult]:
        """Resume many runs (``(run_id, prompt)`` pairs); one :class:`BulkResult` each."""
        from ._bulk._operations import AsyncBulkOperations

        bulk = AsyncBulkOperations(self, **_given(max_concurrent=max_concurrent))
        return await bulk.resume_agent_runs(org_id, items)

    def watch_agent_runs(
        self,
        org_id: int | None,
        run_ids: Iterable[int],
        *,
        poll_interval: float | NotGiven | None = NOT_GIVEN,
        max_poll_interval: float | NotGiven = NOT_GIVEN,
        backoff: float | NotGiven = NOT_GIVEN,
        stop_on_paused: bool | NotGiven = NOT_GIVEN,
        use_list: bool | NotGiven = NOT_GIVEN,
        max_scan_pages: int | NotGiven = NOT_GIVEN,
    ) -> AsyncRunWatcher:
        """Watch many runs cheaply: ``async for event in client.watch_agent_runs(...)``.

        Yields a :class:`RunEvent` for each status change and each run finishing, reading
        up to 100 runs per request through the list endpoint. The settings are
        :class:`AsyncRunWatcher`'s (its defaults where left out).
        """
        from ._watch import AsyncRunWatcher

        return AsyncRunWatcher(
            self,
            org_id,
            run_ids,
            **_given(
                poll_interval=poll_interval,
                max_poll_interval=max_poll_interval,
                backoff=backoff,
                stop_on_paused=stop_on_paused,
                use_list=use_list,
                max_scan_pages=max_scan_pages,
            ),
        )

    async def wait_for_all(
        self,
        org_id: int | None,
        run_ids: Iterable[int],
        timeout: float | None = 3600.0,
        *,
        on_event: Callable[[RunEvent], object] | None = None,
        poll_interval: float | NotGiven | None = NOT_GIVEN,
        max_poll_interval: float | NotGiven = NOT_GIVEN,
        backoff: float | NotGiven = NOT_GIVEN,
        stop_on_paused: bool | NotGiven = NOT_GIVEN,
        use_list: bool | NotGiven = NOT_GIVEN,
        max_scan_pages: int | NotGiven = NOT_GIVEN,
    ) -> dict[int, AgentRun]:
        """Wait until every run has finished; return the final runs by id, in input order.

        Raises :class:`WaitTimeoutError` after ``timeout`` seconds (``last_run`` holds the
        runs as last seen, by id). ``on_event`` receives every event on the way. The
        other settings are :class:`AsyncRunWatcher`'s, as for :meth:`watch_agent_runs`.
        """
        if on_event is not None and not callable(on_event):
            raise ValidationError(f"on_event must be callable, got {type(on_event).__name__}")
        watcher = self.watch_agent_runs(
            org_id,
            run_ids,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            backoff=backoff,
            stop_on_paused=stop_on_paused,
            use_list=use_list,
            max_scan_pages=max_scan_pages,
        )
        return await watcher.wait(timeout, on_event)

    def create_health_monitor(
        self, interval: float = 30.0, *, timeout: float = 10.0
    ) -> AsyncHealthMonitor:
        """A monitor calling :meth:`health_check` every ``interval`` seconds in the background.

        Register callbacks with ``on_healthy`` / ``on_unhealthy``, then ``start()`` it (or
        use it as a context manager); ``stop()`` ends it. See :class:`AsyncHealthMonitor`.
        """
        from ._health import AsyncHealthMonitor

        return AsyncHealthMonitor(self, interval, timeout=timeout)


class AsyncRawResponses:
    """Every endpoint method of a client, each returning an :class:`APIResponse` (status,
    headers, request id, elapsed time, body) whose ``parse()`` gives the usual value::

        response = await client.with_raw_response.get_agent_run(run_id=42)
        print(response.status_code, response.request_id, response.elapsed)
        run = response.parse()

    Same parameters, same errors (which carry ``headers`` too). The iterating and
    waiting helpers (``stream_*``, ``wait_for_*``) make many requests and have no raw form.
    """

    def __init__(self, client: AsyncCodegenClient) -> None:
        self.request = raw(client.request)
        self.create_agent_run = raw(client.create_agent_run)
        self.get_agent_run = raw(client.get_agent_run)
        self.get_agent_runs = raw(client.get_agent_runs)
        self.resume_agent_run = raw(client.resume_agent_run)
        self.ban_agent_run = raw(client.ban_agent_run)
        self.unban_agent_run = raw(client.unban_agent_run)
        self.remove_agent_run_from_pr = raw(client.remove_agent_run_from_pr)
        self.get_agent_run_logs = raw(client.get_agent_run_logs)
        self.get_current_user = raw(client.get_current_user)
        self.get_organizations = raw(client.get_organizations)
        self.get_users = raw(client.get_users)
        self.get_user = raw(client.get_user)
        self.get_repositories = raw(client.get_repositories)
        self.get_integrations = raw(client.get_integrations)
        self.get_check_suite_settings = raw(client.get_check_suite_settings)
        self.update_check_suite_settings = raw(client.update_check_suite_settings)
        self.edit_pull_request = raw(client.edit_pull_request)
        self.generate_setup_commands = raw(client.generate_setup_commands)
        self.analyze_sandbox_logs = raw(client.analyze_sandbox_logs)
        self.get_cli_rules = raw(client.get_cli_rules)
        self.get_mcp_providers = raw(client.get_mcp_providers)
        self.get_oauth_token_status = raw(client.get_oauth_token_status)
        self.revoke_oauth_token = raw(client.revoke_oauth_token)
        self.generate_slack_connect_token = raw(client.generate_slack_connect_token)


def _given(**options: object) -> dict[str, Any]:
    """The options that were given (not ``NOT_GIVEN``), to pass on to a runner."""
    return {name: value for name, value in options.items() if value is not NOT_GIVEN}
