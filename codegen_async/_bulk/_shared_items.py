"""One worker's passes over a shared bulk job: claim, fenced send, record, look up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from .._http._backend import AsyncEvent, Job, gather_bounded, monotonic, sleep, wait_event
from .._ratelimit._redis import CoordinationError
from ..errors import CodegenError, LedgerLostError, OutcomeUnknownError, ValidationError
from ._args import prepare_config, since
from ._create_job import send_create
from ._ledger import AsyncJobLedger, Intent
from ._markers import AsyncMarkerSearch, MarkerFindings
from ._shared_results import record_of
from ._types import (
    BulkResult,
    BulkStatus,
    config_key,
    is_unknown_create_error,
)

if TYPE_CHECKING:
    from .._protocol import AsyncClientAPI

__all__ = ["AsyncItemWorker", "ItemPass"]


class _Job(Protocol):
    """What a worker uses of its :class:`~._shared_job.AsyncSharedBulkJob` (which imports
    this module, so it is typed here by shape)."""

    ledger: AsyncJobLedger
    job_id: str
    worker: str
    max_attempts: int
    reconcile_grace: float
    resend_unknown: bool
    idle_timeout: float

    @property
    def client(self) -> AsyncClientAPI: ...

    async def hold(self, key: str, index: int) -> None: ...

    async def let_go(self, key: str) -> None: ...

    async def held(self, clear: bool = ...) -> list[str]: ...


class _ClaimLost(Exception):
    """Raised from the fence: this worker's claim lapsed, so it must not send."""


_ROUNDS = 8  # resends of one item proven absent, as the single-process runner


class ItemPass:
    """What one pass over the items found: items to look up (key -> index and the
    intent's server time) and items to try again (held by others, or given up)."""

    def __init__(self) -> None:
        self.lookup: dict[str, tuple[int, float]] = {}
        self.again: list[int] = []


class AsyncItemWorker:
    """The items of one :meth:`~._shared_job.AsyncSharedBulkJob.work` call."""

    def __init__(
        self,
        job: _Job,
        org: int,
        inputs: Sequence[Mapping[str, Any]],
        search: AsyncMarkerSearch,
    ) -> None:
        self._job = job
        self._ledger = job.ledger
        self._client = job.client
        self._worker = job.worker
        self._org = org
        self._inputs = inputs
        self._keys = [config_key(i, c) for i, c in enumerate(inputs)]
        self._search = search
        self._mine: list[BulkResult] = []
        self._lost: LedgerLostError | None = None

    def settled(self) -> list[BulkResult]:
        """The results this worker recorded, in input order."""
        return sorted(self._mine, key=lambda r: r.index)

    async def run(self, concurrency: int) -> None:
        """Pass over the items until each is settled (or held by live workers too long)."""
        todo = list(range(len(self._inputs)))
        idle_since = monotonic()
        while todo:
            found = ItemPass()
            await gather_bounded([self._item(i, found) for i in todo], concurrency)
            self._check_lost()
            if found.lookup:
                await self._reconcile(found.lookup, found, concurrency)
                self._check_lost()
            if len(found.again) < len(todo):
                idle_since = monotonic()
            elif monotonic() - idle_since > self._job.idle_timeout:
                return  # other workers hold these and are alive; they will settle them
            todo = sorted(found.again)
            if todo:
                await sleep(min(0.2, self._ledger.lease / 4))

    def _check_lost(self) -> None:
        if self._lost is not None:
            raise self._lost

    def _item(self, index: int, found: ItemPass) -> Job[None]:
        async def job() -> None:
            key = self._keys[index]
            state, info = await self._ledger.claim(key, self._worker)
            if state == "done":
                return
            if state == "busy":
                found.again.append(index)
                return
            await self._job.hold(key, index)
            if state == "retry":
                # Sent before without a record: looked up before anything is sent again.
                found.lookup[key] = (index, Intent.parse(info).at)
                return
            await self._create_and_settle(index, found)

        return job

    async def _create_and_settle(self, index: int, found: ItemPass) -> None:
        key = self._keys[index]
        result, sent_at = await self._create(index)
        if result is None:
            await self._job.let_go(key)  # the claim lapsed: another worker has it
            found.again.append(index)
        elif result.status == "unknown":
            found.lookup[key] = (index, sent_at)
        else:
            await self._settle(result)

    async def _create(self, index: int) -> tuple[BulkResult | None, float]:
        """Send item ``index``'s create, fenced; ``(None, 0)`` if the claim lapsed
        before it left, else its result and the server time of its last intent."""
        key = self._keys[index]
        prepared = prepare_config(self._inputs[index], self._job.job_id, key)
        try:
            if isinstance(prepared, ValidationError):
                raise prepared
        except ValidationError as exc:
            return BulkResult(index, "failed", None, exc, 0, 0.0, key), 0.0
        started = monotonic()
        attempts = 0
        sent_at = 0.0

        async def before_send() -> None:
            nonlocal attempts, sent_at
            at = await self._ledger.intent(key, self._worker)
            if at is None:
                raise _ClaimLost
            sent_at = at
            attempts += 1

        try:
            run = await send_create(
                self._client,
                self._org,
                prepared,
                before_send,
                max_attempts=self._job.max_attempts,
                sends=lambda: attempts,
            )
        except _ClaimLost:
            return None, 0.0
        except (LedgerLostError, CoordinationError):
            raise  # the job cannot go on without its ledger
        except CodegenError as error:
            status: BulkStatus = "unknown" if is_unknown_create_error(error) else "failed"
            return BulkResult(index, status, None, error, attempts, since(started), key), sent_at
        return BulkResult(index, "created", run, None, attempts, since(started), key), 0.0

    async def _settle(self, result: BulkResult) -> None:
        """Record an item's outcome (the first record stands) and let its claim go."""
        key = result.key or ""
        if await self._ledger.record(key, self._worker, record_of(result, self._worker)):
            self._mine.append(result)
        await self._job.let_go(key)

    # -- proof of absence --------------------------------------------------------------------

    async def _reconcile(
        self, lookup: dict[str, tuple[int, float]], found: ItemPass, concurrency: int
    ) -> None:
        """Find the runs of items sent before; send again only those proven absent
        (complete searches before and ``grace`` seconds after their last intent), for
        at most ``_ROUNDS`` rounds; what stays unproven is recorded ``"unknown"``."""
        for round_no in range(_ROUNDS + 1):
            if not lookup:
                return
            missing = await self._proven_absent(lookup)
            if not missing:
                return
            if round_no == _ROUNDS:
                why = f"outcome unknown: absent after {round_no} resends; not sent again"
                await self._record_unknown(missing, why)
                return
            lookup = {}

            def again(index: int, lookup: dict[str, tuple[int, float]] = lookup) -> Job[None]:
                async def job() -> None:
                    result, sent_at = await self._create(index)
                    if result is None:
                        await self._job.let_go(self._keys[index])
                        found.again.append(index)
                    elif result.status == "unknown":
                        lookup[self._keys[index]] = (index, sent_at)  # the next round
                    else:
                        await self._settle(result)

                return job

            await gather_bounded([again(i) for i, _ in missing.values()], concurrency)

    async def _proven_absent(
        self, lookup: dict[str, tuple[int, float]]
    ) -> dict[str, tuple[int, float]]:
        """Settle the items whose runs exist; return those proven absent (an incomplete
        search proves nothing: its items are recorded unknown unless resend_unknown)."""
        findings = await self._search.find(lookup.keys())
        missing = await self._settle_found(lookup, findings)
        if missing and (findings.complete or self._job.resend_unknown):
            last = max(at for _, at in missing.values())
            left = last + self._job.reconcile_grace - await self._ledger.server_time()
            if left > 0:
                await sleep(min(left, self._job.reconcile_grace))
            findings = await self._search.find(missing.keys())
            missing = await self._settle_found(missing, findings)
        if missing and not (findings.complete or self._job.resend_unknown):
            await self._record_unknown(
                missing, f"outcome unknown: could not search the runs: {findings.reason}"
            )
            return {}
        return missing

    async def _record_unknown(self, items: dict[str, tuple[int, float]], why: str) -> None:
        for key, (index, _) in items.items():
            error = OutcomeUnknownError(why)
            await self._settle(BulkResult(index, "unknown", None, error, 0, 0.0, key))

    async def _settle_found(
        self, lookup: dict[str, tuple[int, float]], findings: MarkerFindings
    ) -> dict[str, tuple[int, float]]:
        missing = {}
        for key, (index, at) in lookup.items():
            run = findings.first(key)
            if run is not None:
                await self._settle(BulkResult(index, "reconciled", run, None, 0, 0.0, key))
            else:
                missing[key] = (index, at)
        return missing

    # -- the lease -------------------------------------------------------------------------

    async def heartbeat(self, stop: AsyncEvent) -> None:
        """Keep this worker's claims alive while it works; notice a lost ledger."""
        while not await wait_event(stop, self._ledger.lease / 3):
            held = await self._job.held()
            try:
                await self._ledger.renew(held, self._worker, retry=False)
            except LedgerLostError as exc:
                self._lost = exc
                return
            except CoordinationError:
                continue  # the claims lapse safely; the work itself waits the outage out

    async def give_back(self) -> None:
        """After an interruption: items held but not settled are returned at once
        (one sent without a record keeps its intent: the next claimant looks it up)."""
        for key in await self._job.held(clear=True):
            try:
                await self._ledger.unclaim(key, self._worker)
            except CoordinationError:
                return
