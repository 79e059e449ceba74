"""One bulk create job split between workers on many hosts, each input created once.

Every worker runs :meth:`AsyncSharedBulkJob.work` on the same job; the shared ledger
(:class:`~._ledger.AsyncJobLedger`) hands out the items, and the client's shared rate
limiter (``rate_limit_backend``) paces all of them as one. The rules are those of the
single-process runner (see docs/scale.md):

* **Intent before send, fenced.** Just before a create leaves (its rate-limit slot
  taken), the worker records its intent in the ledger in the same atomic step that
  checks its claim is still its own and the ledger's epoch unchanged. A worker whose
  lease lapsed (it stalled) sends nothing for that item.
* **Proof of absence.** An item with an intent and no record (a create without a clear
  answer, or a dead worker's) is looked up by its marker back to the job's origin; one
  not found is looked up again ``grace`` seconds after its intent (server time) and
  only then, the search complete, sent again. An incomplete search leaves it
  ``"unknown"``, not resent unless ``resend_unknown``.
* **Ledger loss is detected** (:class:`~.errors.LedgerLostError`), and
  :meth:`AsyncSharedBulkJob.recover` rebuilds the job from what the server holds.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._http._backend import AsyncEvent, AsyncLock, background_task, sleep
from .._http._validate import resolve_org
from ..errors import OutcomeUnknownError, ValidationError
from ._args import positive_int, prepare_config, settle_settings
from ._ledger import AsyncJobLedger
from ._markers import DEFAULT_CLOCK_SKEW, AsyncMarkerSearch, take_origin
from ._shared_items import AsyncItemWorker
from ._shared_results import apply_audit, from_ledger, record_of
from ._types import BulkAudit, BulkResult, JobOrigin, config_key

if TYPE_CHECKING:
    from .._protocol import AsyncClientAPI

__all__ = ["AsyncSharedBulkJob"]


class AsyncSharedBulkJob:
    """A bulk create job that any number of workers, on any hosts, work on together.

    ::

        job = AsyncSharedBulkJob(client, "nightly-2025-06-21")  # Redis: rate_limit_backend
        origin = await job.submit(configs)  # once, anywhere (repeating it is harmless)
        await job.work(max_concurrent=5)    # on every worker
        results = await job.results(audit=await job.audit())  # one per input, in order

    After a :class:`~.errors.LedgerLostError` (the ledger was wiped), call
    :meth:`recover` with the inputs from a process that has them, then start the
    workers again. ``submit()`` on a wiped ledger would be taken as a new job.

    Args:
        client: A client whose ``rate_limit_backend`` is the shared Redis (so that all
            workers share the token's limits).
        job_id: The job's name, the same on every worker (at most 64 characters).
        org_id: The organization (``None``: the client's).
        redis_url: The ledger's Redis (default: the client's ``rate_limit_backend``).
        lease: Seconds after which a silent worker's items are taken over.
        max_attempts: Sends of one create when the server certainly did not act.
        reconcile_grace: Seconds after an intent before its create may be called
            absent (a loaded server may act late). Default: twice the client's timeout.
        clock_skew: Seconds the client's clock may differ from the server's, used only
            when the job's origin could not be read from the server.
        resend_unknown: Send again a create whose absence could not be proven (a search
            that could not complete). Off by default: that risks a duplicate.
        idle_timeout: Seconds to wait for items other workers hold before giving up.
        outage_timeout: Seconds a lost Redis is retried for by the ledger, once per
            job object from the outage's first failure; then calls fail at once with
            :class:`CoordinationError` until Redis answers. Default: the client's
            ``redis_outage_timeout``, which also bounds its shared rate limiter (once
            per limiter).
    """

    def __init__(
        self,
        client: AsyncClientAPI,
        job_id: str,
        *,
        org_id: int | None = None,
        redis_url: str | None = None,
        lease: float = 60.0,
        max_attempts: int = 3,
        reconcile_grace: float | None = None,
        clock_skew: float = DEFAULT_CLOCK_SKEW,
        resend_unknown: bool = False,
        idle_timeout: float | None = None,
        outage_timeout: float | None = None,
    ) -> None:
        url = redis_url or client.config.rate_limit_backend
        if not url:
            raise ValidationError(
                "a shared bulk job needs Redis: set rate_limit_backend on the client "
                "(so that workers also share the rate limits) or pass redis_url"
            )
        self._client = client
        self._org_id = org_id
        if outage_timeout is None:
            outage_timeout = client.config.redis_outage_timeout
        self.ledger = AsyncJobLedger(url, job_id, lease=lease, outage_timeout=outage_timeout)
        self.job_id = job_id
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.max_attempts = positive_int("max_attempts", max_attempts)
        self.reconcile_grace, self.clock_skew, self.resend_unknown = settle_settings(
            client.config.timeout, reconcile_grace, clock_skew, resend_unknown
        )
        self.idle_timeout = 3 * lease if idle_timeout is None else idle_timeout
        self.origin: JobOrigin | None = None  # the job's origin, once known here
        self._held: dict[str, int] = {}  # items this worker holds: key -> index
        self._held_lock = AsyncLock()

    async def submit(
        self, configs: Sequence[Mapping[str, Any]], *, ttl: float = 7 * 86400
    ) -> JobOrigin:
        """Store the inputs (each a ``create_agent_run`` keyword dict), the job's origin
        and a fresh epoch in the ledger, atomically; every key expires ``ttl`` seconds
        later. Returns the job's origin: keep it to :meth:`recover` the job should its
        ledger be lost. Submitting the same inputs again returns the stored origin;
        different inputs under the same id are refused (:class:`ValidationError`)."""
        items = _checked(configs)
        org = resolve_org(self._org_id, self._client.config.org_id)
        origin = await take_origin(self._client, org)
        self.origin = await self.ledger.submit(items, origin, ttl=ttl)
        return self.origin

    async def work(self, max_concurrent: int = 5) -> list[BulkResult]:
        """Take items until every one is settled; returns those this worker settled.

        Raises :class:`~.errors.LedgerLostError` (at once, nothing more sent) if the
        ledger is lost, and :class:`CoordinationError` once a Redis outage
        outlasts ``outage_timeout``.
        """
        concurrency = positive_int("max_concurrent", max_concurrent)
        org = resolve_org(self._org_id, self._client.config.org_id)
        state = await self.ledger.open()
        origin = state.origin or self.origin or _search_everything()
        self.origin = origin
        search = AsyncMarkerSearch(
            self._client, org, self.job_id, origin, clock_skew=self.clock_skew
        )
        items = AsyncItemWorker(self, org, state.inputs, search)
        stop = AsyncEvent()
        beat = background_task(lambda: items.heartbeat(stop), "codegen-ledger-lease")
        try:
            await items.run(concurrency)
        finally:
            stop.set()
            await beat.stop()
            await items.give_back()
        return items.settled()

    async def audit(self) -> BulkAudit:
        """What the server holds for the job: every run carrying its markers, per input
        (created once, more than once with every run id, or never)."""
        org = resolve_org(self._org_id, self._client.config.org_id)
        state = await self.ledger.open()
        origin = state.origin or self.origin or _search_everything()
        keys = [config_key(i, c) for i, c in enumerate(state.inputs)]
        search = AsyncMarkerSearch(
            self._client, org, self.job_id, origin, clock_skew=self.clock_skew
        )
        return await search.audit(keys)

    async def results(self, audit: BulkAudit | None = None) -> list[BulkResult]:
        """One result per input, in order, from the ledger; with an ``audit``
        (:meth:`audit`), corrected from what the server holds (found late:
        ``"reconciled"``; created more than once: ``duplicates``). Items not settled
        yet are ``"unknown"`` (sent, no record yet) or ``"cancelled"`` (never sent)."""
        state = await self.ledger.open()
        records = await self.ledger.records()
        sent = await self.ledger.intents()
        await self.ledger.check_epoch()  # the three reads are of one ledger
        results = from_ledger(state.inputs, records, sent)
        return apply_audit(results, audit) if audit is not None else results

    async def recover(
        self,
        configs: Sequence[Mapping[str, Any]],
        *,
        origin: JobOrigin | None = None,
        ttl: float = 7 * 86400,
    ) -> int:
        """Rebuild a lost ledger from the job's inputs and what the server holds.

        Waits ``reconcile_grace`` seconds (creates still in flight land), searches the
        runs carrying the job's markers back to its origin (``origin``, else the one
        :meth:`submit` returned here, else the one still in the ledger, else the whole
        history), then writes the inputs with a new epoch and every input that has a
        run recorded as ``"reconciled"``. Workers started afterwards create only the
        rest; workers of the old epoch stop with :class:`~.errors.LedgerLostError`.
        Returns the number of inputs found created. Raises
        :class:`~.errors.OutcomeUnknownError` (rebuilding nothing) when the search
        cannot complete: absence would not be proven.
        """
        items = _checked(configs)
        org = resolve_org(self._org_id, self._client.config.org_id)
        origin = origin or self.origin or await self.ledger.stored_origin()
        origin = origin or _search_everything()
        await sleep(self.reconcile_grace)
        search = AsyncMarkerSearch(
            self._client, org, self.job_id, origin, clock_skew=self.clock_skew
        )
        findings = await search.find()
        if not findings.complete:
            raise OutcomeUnknownError(
                f"cannot recover job {self.job_id!r}: {findings.reason}; nothing was "
                "rebuilt, try again"
            )
        records = {}
        for index, config in enumerate(items):
            key = config_key(index, config)
            run = findings.first(key)
            if run is not None:
                found = BulkResult(index, "reconciled", run, None, 0, 0.0, key)
                records[key] = record_of(found, "recover")
        await self.ledger.rebuild(items, origin, records, ttl=ttl)
        self.origin = origin
        return len(records)

    # -- for the item worker -----------------------------------------------------------------

    @property
    def client(self) -> AsyncClientAPI:
        """The client this job sends through."""
        return self._client

    async def hold(self, key: str, index: int) -> None:
        """Note that this worker holds ``key`` (its lease is renewed)."""
        async with self._held_lock:
            self._held[key] = index

    async def let_go(self, key: str) -> None:
        """This worker no longer holds ``key``."""
        async with self._held_lock:
            self._held.pop(key, None)

    async def held(self, clear: bool = False) -> list[str]:
        """The keys this worker holds (``clear``: and forget them)."""
        async with self._held_lock:
            keys = list(self._held)
            if clear:
                self._held = {}
        return keys

    async def aclose(self) -> None:
        """Close the ledger's Redis connections (the client is the caller's to close)."""
        await self.ledger.aclose()

    async def __aenter__(self) -> AsyncSharedBulkJob:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} job={self.job_id!r} worker={self.worker!r}>"


def _search_everything() -> JobOrigin:
    """An origin that searches the token's whole history (slow, always complete)."""
    import datetime as _dt

    now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
    return JobOrigin(now, None, anchored=True)


def _checked(configs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    if isinstance(configs, str | bytes | Mapping):
        raise ValidationError("configs must be a list of dicts")
    items = list(configs)
    for index, config in enumerate(items):
        problem = prepare_config(config, "check", "check")
        if isinstance(problem, ValidationError):
            raise ValidationError(f"input {index}: {problem.message}")
    return items
