"""The bulk job runner: many creates (exactly once), gets and resumes, with progress.

Every item ends as one :class:`BulkResult`, in input order: a failure is a result,
never an exception that drops its siblings. A create is never sent twice for the same
item: each carries a marker in its metadata, and a create whose outcome is unknown
(no answer, a 5xx other than 503, an unreadable body) is looked up through the list
endpoint before the runner ever sends it again. See ``docs/bulk.md``.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._backend import CancelledError, Job, gather_bounded, monotonic, sleep
from ._bulkargs import (
    ProgressFn,
    ResultFn,
    chain_progress,
    check_callbacks,
    check_flag,
    created_at_utc,
    job_id_or_new,
    list_configs,
    list_ids,
    listed,
    positive_int,
    prepare_config,
    reconcile_cutoff,
    since,
    with_changes,
)
from ._bulktypes import (
    BulkResult,
    BulkStatus,
    config_key,
    is_retryable_create_error,
    is_unknown_create_error,
    marker_of,
)
from ._progress import ProgressBar, Tally
from .errors import CodegenError, OutcomeUnknownError, ValidationError
from .models import AgentRun, Page

if TYPE_CHECKING:
    from ._client import AsyncCodegenClient

__all__ = ["AsyncBulkOperations"]

logger = logging.getLogger("codegen")
_PAGE_TRIES = 3  # reads of one reconciliation page before the scan gives up


class AsyncBulkOperations:
    """Runs many API calls with bounded concurrency; one result per item, in order.

    Get it from ``client.bulk_operations()``::

        async with client.bulk_operations() as bulk:
            results = await bulk.create_agent_runs(323, configs, max_concurrent=5)

    ``results`` (the attribute) holds the last job's results, complete or partial: after
    a cancellation or Ctrl-C it has every item, those never sent marked ``"cancelled"``.

    Args:
        client: The client whose requests (and rate limits) the jobs use.
        max_concurrent: Default number of requests in flight at once.
        max_attempts: Sends of one create when the server certainly did not act on
            the earlier ones (429 after the client's own retries, 503, refused).
        reconcile_rounds: Times an unknown create proven absent may be sent again.
        reconcile_pages: Pages of 100 runs the reconciliation may scan per round.
        reconcile_margin: Seconds (server time) before the job's earliest known run
            that a reconciliation scan still searches.
    """

    def __init__(
        self,
        client: AsyncCodegenClient,
        *,
        max_concurrent: int = 5,
        max_attempts: int = 3,
        reconcile_rounds: int = 8,
        reconcile_pages: int = 100,
        reconcile_margin: float = 600.0,
    ) -> None:
        self._client = client
        self.max_concurrent = positive_int("max_concurrent", max_concurrent)
        self.max_attempts = positive_int("max_attempts", max_attempts)
        self.reconcile_rounds = positive_int("reconcile_rounds", reconcile_rounds)
        self.reconcile_pages = positive_int("reconcile_pages", reconcile_pages)
        self.reconcile_margin = float(reconcile_margin)
        self.results: list[BulkResult] = []
        self.job_id: str | None = None
        self._user_id: int | None = None

    async def __aenter__(self) -> AsyncBulkOperations:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    # -- creates ---------------------------------------------------------------------------

    async def create_agent_runs(
        self,
        org_id: int | None,
        configs: Iterable[Mapping[str, Any]],
        max_concurrent: int | None = None,
        *,
        job_id: str | None = None,
        previous: Mapping[int, BulkResult] | None = None,
        reconcile: bool = True,
        on_progress: ProgressFn | None = None,
        on_result: ResultFn | None = None,
        on_send: Callable[[int, str], None] | None = None,
        progress: bool = False,
    ) -> list[BulkResult]:
        """Create one agent run per config, each exactly once; one result per config.

        Each config holds :meth:`create_agent_run` arguments (``prompt`` required;
        ``metadata``, ``images``, ``repo_id``, ``model``, ``agent_type``). A config
        that is not valid becomes a ``"failed"`` result with a :class:`ValidationError`,
        and nothing is sent for it.

        Args:
            org_id: The organization (``None``: the configured one).
            configs: The items.
            max_concurrent: Creates in flight at once (pacing is the rate limiter's job).
            job_id: Names the job in each run's marker; pass the same id (and
                ``previous``) to resume a job. Default: a fresh random id.
            previous: Results of an earlier attempt at this job, by index: ``"created"``
                and ``"reconciled"`` ones are kept as they are, ``"unknown"`` ones are
                looked up before being sent again, the rest are sent again.
            reconcile: Look up unknown outcomes (else they stay ``"unknown"``).
            on_progress: Called with a :class:`BulkProgress` after each result.
            on_result: Called with each result as it arrives (an ``"unknown"`` result
                may be followed by a later one for the same index; the last one wins).
            on_send: Called with ``(index, key)`` just before each create is sent: a
                resumable job logs it, so that a crash right after can never lead to a
                second create (the resumed job looks the item up first).
            progress: Draw a progress bar on stderr (rich if installed, else plain).
        """
        check_callbacks(on_progress=on_progress, on_result=on_result, on_send=on_send)
        check_flag("progress", progress)
        check_flag("reconcile", reconcile)
        org = self._client._org(org_id)
        items = list_configs(configs)
        concurrency = self._concurrency(max_concurrent)
        job = job_id_or_new(job_id)
        self.job_id = job
        keys = [config_key(i, c) for i, c in enumerate(items)]
        results: list[BulkResult | None] = [None] * len(items)
        kept: dict[int, BulkResult] = {}
        for index, old in dict(previous or {}).items():
            if 0 <= index < len(items) and old.status in ("created", "reconciled", "unknown"):
                kept[index] = old
        bar = ProgressBar("creating runs") if progress else None
        runner = _Runner(self, len(items), results, on_result, chain_progress(on_progress, bar))
        runner.on_send = on_send
        with self._finishing(runner, bar, keys):
            for index, old in kept.items():
                runner.set(with_changes(old, key=keys[index]) if old.status == "unknown" else old)
            todo = [i for i in range(len(items)) if i not in kept]
            prepared = {i: prepare_config(items[i], job, keys[i]) for i in todo}
            await runner.run(
                [self._create_job(runner, org, i, prepared[i], keys[i]) for i in todo],
                concurrency,
            )
            if reconcile:
                await self._reconcile(
                    runner, org=org, job=job, items=items, keys=keys, concurrency=concurrency
                )
        return self.results

    def _create_job(
        self,
        runner: _Runner,
        org: int,
        index: int,
        prepared: dict[str, Any] | ValidationError,
        key: str,
    ) -> Job[None]:
        async def job() -> None:
            if isinstance(prepared, ValidationError):
                runner.set(BulkResult(index, "failed", error=prepared, key=key))
                return
            await self._create_one(runner, org, index, prepared, key, attempts=0)

        return job

    async def _create_one(
        self,
        runner: _Runner,
        org: int,
        index: int,
        kwargs: dict[str, Any],
        key: str,
        *,
        attempts: int,
    ) -> None:
        started = monotonic()
        runner.tally.begin()
        try:
            while True:
                attempts += 1
                if runner.on_send is not None:
                    runner.on_send(index, key)
                try:
                    run = await self._client.create_agent_run(org, **kwargs)
                except CancelledError:
                    # The request may have reached the server: record it as unknown, so
                    # that a resumed job looks it up before creating it again.
                    error = OutcomeUnknownError("cancelled while the create was in flight")
                    runner.set(
                        BulkResult(index, "unknown", None, error, attempts, since(started), key)
                    )
                    raise
                except CodegenError as exc:
                    if is_retryable_create_error(exc) and attempts < self.max_attempts:
                        continue
                    status: BulkStatus = "unknown" if is_unknown_create_error(exc) else "failed"
                    runner.set(BulkResult(index, status, None, exc, attempts, since(started), key))
                    return
                runner.set(BulkResult(index, "created", run, None, attempts, since(started), key))
                return
        finally:
            runner.tally.end()

    async def _reconcile(
        self,
        runner: _Runner,
        *,
        org: int,
        job: str,
        items: list[Mapping[str, Any]],
        keys: list[str],
        concurrency: int,
    ) -> None:
        """Settle every unknown outcome: find its run by marker, or prove it absent and
        create it (at most ``reconcile_rounds`` times)."""
        cutoff: _dt.datetime | None = None
        for round_no in range(self.reconcile_rounds + 1):
            unknown = [r for r in runner.current() if r is not None and r.status == "unknown"]
            if not unknown:
                return
            wanted = {r.key: r for r in unknown if r.key is not None}
            if round_no == 0:
                cutoff = reconcile_cutoff(runner.current(), self.reconcile_margin)
            found, exhaustive, newest = await self._find_marked(org, job, set(wanted), cutoff)
            if newest is not None:
                # Runs sent again after this scan are newer than anything it saw.
                cutoff = newest - _dt.timedelta(seconds=self.reconcile_margin)
            missing: list[BulkResult] = []
            for k, old in wanted.items():
                run = found.get(k)
                if run is not None:
                    runner.set(with_changes(old, status="reconciled", data=run, error=None))
                else:
                    missing.append(old)
            if not missing or not exhaustive or round_no == self.reconcile_rounds:
                return
            # The scan covered the whole time the job ran: these runs do not exist.
            jobs = []
            for old in missing:
                prepared = prepare_config(items[old.index], job, keys[old.index])
                if isinstance(prepared, ValidationError):  # pragma: no cover - checked before
                    continue
                jobs.append(self._recreate_job(runner, org, old, prepared))
            await runner.run(jobs, concurrency)

    def _recreate_job(
        self, runner: _Runner, org: int, old: BulkResult, kwargs: dict[str, Any]
    ) -> Job[None]:
        async def job() -> None:
            key = old.key or ""
            await self._create_one(runner, org, old.index, kwargs, key, attempts=old.attempts)

        return job

    async def _find_marked(
        self, org: int, job: str, keys: set[str], cutoff: _dt.datetime | None
    ) -> tuple[dict[str, AgentRun], bool, _dt.datetime | None]:
        """Scan the token's API runs, newest first, for runs marked with ``job`` / ``keys``.

        Returns the runs found by key, whether the scan reached back to ``cutoff`` or the
        end (so that a key not found certainly has no run), and the newest creation time
        seen.
        """
        user_id = await self._current_user()
        found: dict[str, AgentRun] = {}
        newest: _dt.datetime | None = None
        for page_no in range(1, self.reconcile_pages + 1):
            page = await self._list_page(org, page_no, user_id)
            if page is None:
                # A page that cannot be read ends the scan, not the job: what was not found
                # stays "unknown" (with its cause) rather than being guessed.
                return found, False, newest
            if page_no == 1 and page.items:
                newest = created_at_utc(page.items[0])
            for run in page.items:
                marker = marker_of(run)
                if marker is not None and marker[0] == job and marker[1] in keys:
                    found.setdefault(marker[1], run)
            if len(found) == len(keys):
                return found, True, newest
            if len(page.items) < 100 or page_no * 100 >= page.total:
                return found, True, newest
            oldest = created_at_utc(page.items[-1])
            if cutoff is not None and oldest is not None and oldest < cutoff:
                return found, True, newest
        return found, False, newest

    async def _list_page(
        self, org: int, page_no: int, user_id: int | None
    ) -> Page[AgentRun] | None:
        """One page of the scan, tried a few times (the client retries inside each try)."""
        for attempt in range(_PAGE_TRIES):
            try:
                return await self._client.get_agent_runs(
                    org, page_no, 100, user_id=user_id, source_type="API", cache=False
                )
            except CodegenError as exc:
                logger.info("reconciliation: list page %d failed (%s)", page_no, exc)
                if attempt + 1 < _PAGE_TRIES:
                    await sleep(0.1 * (attempt + 1))
        return None

    async def _current_user(self) -> int | None:
        if self._user_id is None:
            try:
                self._user_id = (await self._client.get_current_user()).id
            except CodegenError:
                return None  # scan unfiltered: slower, still correct
        return self._user_id

    # -- gets and resumes ------------------------------------------------------------------

    async def get_agent_runs(
        self,
        org_id: int | None,
        run_ids: Iterable[int],
        max_concurrent: int | None = None,
        *,
        on_progress: ProgressFn | None = None,
        on_result: ResultFn | None = None,
        progress: bool = False,
    ) -> list[BulkResult]:
        """Fetch many runs (fresh, never from the cache); one result per id, in order."""
        check_callbacks(on_progress=on_progress, on_result=on_result)
        check_flag("progress", progress)
        org = self._client._org(org_id)
        ids = list_ids(run_ids)

        def call(run_id: int) -> Job[AgentRun]:
            async def fetch() -> AgentRun:
                return await self._client.get_agent_run(org, run_id, cache=False)

            return fetch

        calls: list[Job[AgentRun] | ValidationError] = [
            call(i) if isinstance(i, int) else i for i in ids
        ]
        return await self._simple(calls, max_concurrent, on_progress, on_result, progress)

    async def resume_agent_runs(
        self,
        org_id: int | None,
        items: Iterable[tuple[int, str] | Mapping[str, Any]],
        max_concurrent: int | None = None,
        *,
        on_progress: ProgressFn | None = None,
        on_result: ResultFn | None = None,
        progress: bool = False,
    ) -> list[BulkResult]:
        """Resume many runs, each ``(run_id, prompt)`` or ``{"run_id", "prompt", "images"}``.

        A resume is never sent twice: one whose outcome is unknown ends ``"unknown"``.
        """
        check_callbacks(on_progress=on_progress, on_result=on_result)
        check_flag("progress", progress)
        org = self._client._org(org_id)

        def call(spec: Any) -> Job[AgentRun] | ValidationError:
            if isinstance(spec, tuple) and len(spec) == 2:
                spec = {"run_id": spec[0], "prompt": spec[1]}
            if not isinstance(spec, Mapping) or set(spec) - {"run_id", "prompt", "images"}:
                return ValidationError(
                    "each resume item must be (run_id, prompt) or a dict with "
                    f"run_id, prompt and optionally images; got {spec!r:.80}"
                )
            kwargs = dict(spec)

            async def resume() -> AgentRun:
                return await self._client.resume_agent_run(org, **kwargs)

            return resume

        calls = [call(spec) for spec in listed(items, "items")]
        return await self._simple(calls, max_concurrent, on_progress, on_result, progress)

    async def _simple(
        self,
        calls: Sequence[Job[AgentRun] | ValidationError],
        max_concurrent: int | None,
        on_progress: ProgressFn | None,
        on_result: ResultFn | None,
        progress: bool,
    ) -> list[BulkResult]:
        concurrency = self._concurrency(max_concurrent)
        results: list[BulkResult | None] = [None] * len(calls)
        bar = ProgressBar("working") if progress else None
        runner = _Runner(self, len(calls), results, on_result, chain_progress(on_progress, bar))

        def job(index: int, fn: Job[AgentRun]) -> Job[None]:
            async def run() -> None:
                started = monotonic()
                runner.tally.begin()
                try:
                    data = await fn()
                except CodegenError as exc:
                    status: BulkStatus = (
                        "unknown" if isinstance(exc, OutcomeUnknownError) else "failed"
                    )
                    runner.set(BulkResult(index, status, None, exc, 1, since(started)))
                else:
                    runner.set(BulkResult(index, "succeeded", data, None, 1, since(started)))
                finally:
                    runner.tally.end()

            return run

        jobs = []
        for index, fn in enumerate(calls):
            if isinstance(fn, ValidationError):
                runner.set(BulkResult(index, "failed", error=fn))
            else:
                jobs.append(job(index, fn))
        with self._finishing(runner, bar, None):
            await runner.run(jobs, concurrency)
        return self.results

    @contextmanager
    def _finishing(
        self, runner: _Runner, bar: ProgressBar | None, keys: list[str] | None
    ) -> Iterator[None]:
        """Around a job: its results land in ``self.results`` however it ends.

        Interrupted (Ctrl-C, cancellation, an error), every item not sent yet is
        reported as cancelled, never dropped; the progress bar is closed either way.
        """
        try:
            yield
        except BaseException:
            runner.finish_cancelled(keys)
            raise
        finally:
            self.results = runner.final()
            if bar is not None:
                bar.close()

    def _concurrency(self, max_concurrent: int | None) -> int:
        if max_concurrent is None:
            return self.max_concurrent
        return positive_int("max_concurrent", max_concurrent)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} max_concurrent={self.max_concurrent}>"


class _Runner:
    """The state of one job: its results, its tally and its callbacks."""

    def __init__(
        self,
        owner: AsyncBulkOperations,
        total: int,
        results: list[BulkResult | None],
        on_result: ResultFn | None,
        on_progress: ProgressFn | None,
    ) -> None:
        self._client = owner._client
        self._results = results
        self._on_result = on_result
        self._on_progress = on_progress
        self.on_send: Callable[[int, str], None] | None = None
        self.tally = Tally(total, monotonic(), self._waited())

    def _waited(self) -> float:
        # The limiter's lifetime total (get_stats() would be reset by reset_stats()).
        return self._client.get_rate_limit_status().time_waiting

    async def run(self, jobs: list[Job[None]], concurrency: int) -> None:
        if jobs:
            await gather_bounded(jobs, concurrency)

    def set(self, result: BulkResult) -> None:
        self._results[result.index] = result
        self.tally.record(result)
        if self._on_result is not None:
            self._on_result(result)
        if self._on_progress is not None:
            self._on_progress(self.tally.snapshot(monotonic(), self._waited()))

    def current(self) -> list[BulkResult | None]:
        return list(self._results)

    def finish_cancelled(self, keys: list[str] | None) -> None:
        """After an interruption: every item without a result was never sent."""
        for index, result in enumerate(self._results):
            if result is None:
                key = keys[index] if keys is not None else None
                self._results[index] = BulkResult(index, "cancelled", key=key)

    def final(self) -> list[BulkResult]:
        return [
            r if r is not None else BulkResult(i, "cancelled") for i, r in enumerate(self._results)
        ]
