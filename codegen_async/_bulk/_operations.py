"""The bulk job runner: many creates (each exactly once), gets and resumes, with progress.

Every item ends as one :class:`BulkResult`, in input order: a failure is a result,
never an exception that drops its siblings. A create is never sent twice for the same
item unless its absence was proven: the rules live in :mod:`._create_job` and are
explained in ``docs/bulk.md``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._http._backend import Job, monotonic
from .._http._validate import resolve_org
from ..errors import CodegenError, OutcomeUnknownError, ValidationError
from ..models import AgentRun
from ._args import (
    ProgressFn,
    ResultFn,
    chain_progress,
    check_callbacks,
    check_flag,
    job_id_or_new,
    list_configs,
    list_ids,
    listed,
    positive_int,
    prepare_config,
    settle_settings,
    since,
    with_changes,
)
from ._create_job import AsyncCreateJob, CreateSettings
from ._jobfile import JobFile
from ._markers import DEFAULT_CLOCK_SKEW, AsyncMarkerSearch, take_origin
from ._progress import ProgressBar
from ._runner import BulkRunner
from ._types import BulkAudit, BulkResult, BulkStatus, JobOrigin, config_key

if TYPE_CHECKING:
    from .._protocol import AsyncClientAPI

__all__ = ["AsyncBulkOperations"]

logger = logging.getLogger("codegen")


class AsyncBulkOperations:
    """Runs many API calls with bounded concurrency; one result per item, in order.

    Get it from ``client.bulk_operations()``::

        bulk = client.bulk_operations()
        results = await bulk.create_agent_runs(323, configs, results_file="job.jsonl")

    ``results`` (the attribute) holds the last job's results, complete or partial: after
    a cancellation or Ctrl-C it has every item, those never sent marked ``"cancelled"``.
    ``audit`` holds the last create job's :class:`BulkAudit`.

    Args:
        client: The client whose requests (and rate limits) the jobs use.
        max_concurrent: Default number of requests in flight at once.
        max_attempts: Sends of one create when the server certainly did not act on
            the earlier ones (429 after the client's own retries, 503, refused).
        reconcile_rounds: Times an unknown create proven absent may be sent again.
        reconcile_grace: Seconds after a create's last send before its absence may be
            concluded (a loaded server may act on a create long after the client gave
            up). Default: twice the client's timeout.
        clock_skew: Seconds the client's clock may differ from the server's, used only
            when a job's origin could not be read from the server.
        resend_unknown: Send again a create whose absence could not be proven (a search
            that could not complete). Off by default: that risks a duplicate.
    """

    def __init__(
        self,
        client: AsyncClientAPI,
        *,
        max_concurrent: int = 5,
        max_attempts: int = 3,
        reconcile_rounds: int = 8,
        reconcile_grace: float | None = None,
        clock_skew: float = DEFAULT_CLOCK_SKEW,
        resend_unknown: bool = False,
    ) -> None:
        self._client = client
        self.max_concurrent = positive_int("max_concurrent", max_concurrent)
        self.max_attempts = positive_int("max_attempts", max_attempts)
        self.reconcile_rounds = positive_int("reconcile_rounds", reconcile_rounds)
        self.reconcile_grace, self.clock_skew, self.resend_unknown = settle_settings(
            client.config.timeout, reconcile_grace, clock_skew, resend_unknown
        )
        self.results: list[BulkResult] = []
        self.audit: BulkAudit | None = None
        self.job_id: str | None = None
        self.origin: JobOrigin | None = None

    async def __aenter__(self) -> AsyncBulkOperations:
        """``async with client.bulk_operations() as bulk:`` (it holds nothing to close:
        the requests and their connections belong to the client)."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    # -- creates ---------------------------------------------------------------------------

    async def create_agent_runs(
        self,
        org_id: int | None,
        configs: Iterable[Mapping[str, Any]],
        max_concurrent: int | None = None,
        *,
        job_id: str | None = None,
        results_file: str | JobFile | None = None,
        previous: Mapping[int, BulkResult] | None = None,
        origin: JobOrigin | None = None,
        reconcile: bool = True,
        audit: bool = True,
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
            job_id: Names the job in each run's marker. Default: the results file's
                job, else a fresh random id.
            results_file: A path (or an open :class:`JobFile`): the job's crash-safe
                log, locked while the job runs (a second run of the same job raises
                :class:`JobLockedError` and sends nothing). Run again with the same file
                to resume: what was created is kept, what may have been sent is looked
                up first, and the rest is sent.
            previous: Results of an earlier attempt at this job, by index, when not
                using a results file: ``"created"`` and ``"reconciled"`` ones are kept,
                ``"unknown"`` ones looked up before being sent again, the rest sent.
            origin: Where the earlier attempt started (``bulk.origin`` after it);
                without it, a resumed job searches all of the token's runs.
            reconcile: Look up unknown outcomes (else they stay ``"unknown"``).
            audit: List the job's runs at the end and correct the results from them
                (``bulk.audit``).
            on_progress: Called with a :class:`BulkProgress` after each result.
            on_result: Called with each result as it arrives (a later one for the same
                index may follow; the last one wins).
            on_send: Called with ``(index, key)`` just before each create may leave.
            progress: Draw a progress bar on stderr (rich if installed, else plain).
        """
        check_callbacks(on_progress=on_progress, on_result=on_result, on_send=on_send)
        for name, flag in (("progress", progress), ("reconcile", reconcile), ("audit", audit)):
            check_flag(name, flag)
        _check_resume(previous, origin)
        org = resolve_org(org_id, self._client.config.org_id)
        items = list_configs(configs)
        keys = [config_key(i, c) for i, c in enumerate(items)]
        concurrency = self._concurrency(max_concurrent)
        if job_id is not None:
            job_id_or_new(job_id)  # checked before anything else happens
        with self._job_file(results_file, keys) as log:
            sent_at: Mapping[int, float] = {}
            if log is not None:
                previous, origin, sent_at = (
                    log.previous.results,
                    log.previous.origin,
                    (log.previous.sent_at),
                )
                job_id = log.previous.job or job_id
            resumed = bool(previous)
            job = job_id_or_new(job_id)
            if not resumed and not _any_valid(items, job, keys):
                # Nothing will be sent: no request at all, not even to read the origin.
                origin, audit = origin or _search_all(), False
            if origin is None:
                # A resumed job of unknown origin searches every run; a new one reads
                # where the list stands before its first create.
                origin = _search_all() if resumed else await take_origin(self._client, org)
            self.job_id, self.origin, self.audit = job, origin, None
            if log is not None:
                log.start(job, origin)
            return await self._run_creates(
                org,
                items,
                keys,
                concurrency,
                job=job,
                origin=origin,
                previous=previous or {},
                sent_at=sent_at,
                log=log,
                settings=CreateSettings(
                    max_attempts=self.max_attempts,
                    reconcile=reconcile,
                    reconcile_rounds=self.reconcile_rounds,
                    grace=self.reconcile_grace,
                    clock_skew=self.clock_skew,
                    resend_unknown=self.resend_unknown,
                    audit=audit,
                ),
                callbacks=(on_progress, on_result, on_send),
                progress=progress,
            )

    async def _run_creates(
        self,
        org: int,
        items: list[Mapping[str, Any]],
        keys: list[str],
        concurrency: int,
        *,
        job: str,
        origin: JobOrigin,
        previous: Mapping[int, BulkResult],
        sent_at: Mapping[int, float],
        log: JobFile | None,
        settings: CreateSettings,
        callbacks: tuple[ProgressFn | None, ResultFn | None, Callable[[int, str], None] | None],
        progress: bool,
    ) -> list[BulkResult]:
        on_progress, on_result, on_send = callbacks
        if log is not None:
            on_result = _chain(log.result, on_result)
            on_send = _chain(log.sending, on_send)
        results: list[BulkResult | None] = [None] * len(items)
        bar = (
            ProgressBar("creating runs", rate_status=self._client.get_rate_limit_status)
            if progress
            else None
        )
        runner = BulkRunner(
            self._client, len(items), results, on_result, chain_progress(on_progress, bar)
        )
        create = AsyncCreateJob(
            self._client,
            runner,
            org=org,
            job=job,
            origin=origin,
            items=items,
            keys=keys,
            settings=settings,
            sent_at=sent_at,
            on_send=on_send,
        )
        with self._finishing(runner, bar, keys):
            kept = {
                i: r
                for i, r in previous.items()
                if 0 <= i < len(items) and r.status in ("created", "reconciled", "unknown")
            }
            for index, old in kept.items():
                runner.set(with_changes(old, key=keys[index]) if old.status == "unknown" else old)
            todo = [i for i in range(len(items)) if i not in kept]
            self.audit = await create.run(todo, concurrency)
        return self.results

    async def audit_job(
        self,
        org_id: int | None,
        job_id: str,
        configs: Iterable[Mapping[str, Any]],
        origin: JobOrigin | None = None,
    ) -> BulkAudit:
        """List the runs of an earlier job, per input: created once, more, or never.

        ``configs`` are the job's inputs (their keys name the runs); ``origin`` bounds
        the search (default: every run of the token).
        """
        org = resolve_org(org_id, self._client.config.org_id)
        keys = [config_key(i, c) for i, c in enumerate(list_configs(configs))]
        search = AsyncMarkerSearch(
            self._client,
            org,
            job_id_or_new(job_id),
            origin or _search_all(),
            clock_skew=self.clock_skew,
        )
        return await search.audit(keys)

    @contextlib.contextmanager
    def _job_file(
        self, results_file: str | JobFile | None, keys: list[str]
    ) -> Iterator[JobFile | None]:
        if results_file is None or isinstance(results_file, JobFile):
            yield results_file
            return
        if not isinstance(results_file, str) or not results_file:
            raise ValidationError("results_file must be a path (str) or a JobFile")
        with JobFile(results_file, keys) as log:
            yield log

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
        org = resolve_org(org_id, self._client.config.org_id)
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
        org = resolve_org(org_id, self._client.config.org_id)

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
        runner = BulkRunner(
            self._client, len(calls), results, on_result, chain_progress(on_progress, bar)
        )

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

    @contextlib.contextmanager
    def _finishing(
        self, runner: BulkRunner, bar: ProgressBar | None, keys: list[str] | None
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


def _chain(first: Callable[[Any], None] | Any, second: Any) -> Any:
    """Call ``first`` then ``second`` (if given) with the same arguments."""
    if second is None:
        return first

    def both(*args: Any) -> None:
        first(*args)
        second(*args)

    return both


def _any_valid(items: list[Mapping[str, Any]], job: str, keys: list[str]) -> bool:
    return any(
        not isinstance(prepare_config(c, job, k), ValidationError)
        for c, k in zip(items, keys, strict=True)
    )


def _search_all() -> JobOrigin:
    """The origin of a job whose start is unknown: its runs may be anywhere."""
    import datetime as _dt

    return JobOrigin(_dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None), None, True)


def _check_resume(previous: Any, origin: Any) -> None:
    """An earlier attempt's results and origin, as ``create_agent_runs`` takes them."""
    if previous is not None and not (
        isinstance(previous, Mapping)
        and all(
            isinstance(k, int) and not isinstance(k, bool) and isinstance(v, BulkResult)
            for k, v in previous.items()
        )
    ):
        raise ValidationError(
            "previous must map input indexes to BulkResults (an earlier job's results), "
            f"got {type(previous).__name__}"
        )
    if origin is not None and not isinstance(origin, JobOrigin):
        raise ValidationError(
            f"origin must be a JobOrigin (bulk.origin), got {type(origin).__name__}"
        )
