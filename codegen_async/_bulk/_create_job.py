"""One bulk create job, each input created exactly once: send, settle, audit.

The rules (see ``docs/bulk.md``):

* **Intent before send.** ``on_send`` (the results file's ``sending`` line) runs once the
  request's rate-limit slot is taken, just before it may leave. An item interrupted
  before that was never sent and ends ``"cancelled"``.
* **Proof of absence.** A create whose outcome is unknown is looked up by its marker,
  back to the job's origin. One not found is looked for again once ``grace`` seconds
  have passed since it was last sent (a loaded server may act on a create long after
  the client gave up); only when that search, complete, still finds nothing is it sent
  again. When a search cannot complete, the item stays ``"unknown"`` and is not resent,
  unless the caller opted in (``resend_unknown``).
* **The audit decides.** At the end, every run carrying the job's markers is listed, and
  each result is corrected from that: found late (``"reconciled"``), or created more
  than once (``duplicates`` lists the extra runs).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._http._backend import CancelledError, Job, monotonic, sleep
from .._http._hooks import before_each_send
from .._ratelimit._redis import CoordinationError
from ..errors import CodegenError, OutcomeUnknownError, RateLimitError, ValidationError
from ..models import AgentRun
from ._args import prepare_config, since, with_changes
from ._markers import AsyncMarkerSearch, MarkerFindings
from ._runner import BulkRunner
from ._types import (
    BulkAudit,
    BulkResult,
    BulkStatus,
    JobOrigin,
    audited,
    is_retryable_create_error,
    is_unknown_create_error,
)

if TYPE_CHECKING:
    from .._protocol import AsyncClientAPI

__all__ = ["AsyncCreateJob", "CreateSettings", "send_create"]

_SLOT_WAITS = 10_000  # waits for a rate-limit slot, each at most _SLOT_PAUSE
_SLOT_PAUSE = 60.0


async def send_create(
    client: AsyncClientAPI,
    org: int,
    kwargs: Mapping[str, Any],
    before_send: Job[None],
    *,
    max_attempts: int,
    sends: Callable[[], int],
) -> AgentRun:
    """Create one run, sending at most ``max_attempts`` times, and only again after an
    answer that proves nothing was created (429, 503, refused); raises the last error.

    ``before_send`` runs before each send and counts it (``sends`` reads the count). A
    call that gave up waiting for its rate-limit slot never left: it waits for the slot
    again without using up an attempt, since pacing a long job is the limiter's work.
    Losing the coordination server (``CoordinationError``) is never retried here.
    """
    error: CodegenError | None = None
    for _ in range(max_attempts + _SLOT_WAITS):
        before = sends()
        try:
            with before_each_send(before_send):
                return await client.create_agent_run(org, **kwargs)
        except CoordinationError:
            raise
        except RateLimitError as exc:
            error = exc
            if sends() == before:
                await sleep(min(max(exc.retry_after or 0.0, 0.01), _SLOT_PAUSE))
                continue
        except CodegenError as exc:
            error = exc
            if not is_retryable_create_error(exc):
                raise
        if sends() >= max_attempts:
            break
    assert error is not None
    raise error


@dataclasses.dataclass(frozen=True)
class CreateSettings:
    """How a create job sends and settles (see :class:`~._operations.AsyncBulkOperations`)."""

    max_attempts: int
    reconcile: bool
    reconcile_rounds: int
    grace: float
    clock_skew: float
    resend_unknown: bool
    audit: bool


class AsyncCreateJob:
    """The inputs of one job, their results, and the search for their runs."""

    def __init__(
        self,
        client: AsyncClientAPI,
        runner: BulkRunner,
        *,
        org: int,
        job: str,
        origin: JobOrigin,
        items: Sequence[Mapping[str, Any]],
        keys: Sequence[str],
        settings: CreateSettings,
        sent_at: Mapping[int, float],
        on_send: Callable[[int, str], None] | None,
    ) -> None:
        self._client = client
        self._runner = runner
        self._org = org
        self._job = job
        self._items = items
        self._keys = keys
        self._settings = settings
        self._sent_at = dict(sent_at)  # the client's clock when each item last left
        self._on_send = on_send
        self._search = AsyncMarkerSearch(client, org, job, origin, clock_skew=settings.clock_skew)

    async def run(self, todo: list[int], concurrency: int) -> BulkAudit | None:
        """Send ``todo`` (each once), settle unknown outcomes, then audit the job."""
        jobs = [self._send_job(i, 0) for i in todo]
        await self._runner.run(jobs, concurrency)
        if self._settings.reconcile:
            await self._reconcile(concurrency)
        if not self._settings.audit:
            return None
        audit = await self._search.audit(self._keys)
        self._apply(audit)
        return audit

    # -- sending -------------------------------------------------------------------------

    def _send_job(self, index: int, attempts: int) -> Job[None]:
        async def job() -> None:
            prepared = prepare_config(self._items[index], self._job, self._keys[index])
            if isinstance(prepared, ValidationError):
                self._set(index, "failed", error=prepared, attempts=attempts)
                return
            await self._create_one(index, prepared, attempts)

        return job

    async def _create_one(self, index: int, kwargs: dict[str, Any], attempts: int) -> None:
        started = monotonic()
        key = self._keys[index]
        sent = False

        async def before_send() -> None:
            nonlocal sent, attempts
            if self._on_send is not None:
                self._on_send(index, key)  # the intent is durable before the request leaves
            self._sent_at[index] = time.time()
            sent = True
            attempts += 1

        self._runner.tally.begin()
        try:
            first = attempts
            try:
                run = await send_create(
                    self._client,
                    self._org,
                    kwargs,
                    before_send,
                    max_attempts=self._settings.max_attempts,
                    sends=lambda: attempts - first,
                )
            except CancelledError:
                if sent:
                    # The request may have reached the server: a resumed job looks it up
                    # before creating it again. Never sent: stays "cancelled".
                    unknown = OutcomeUnknownError("cancelled while the create was in flight")
                    self._set(
                        index, "unknown", None, unknown, attempts=attempts, elapsed=since(started)
                    )
                raise
            except CodegenError as error:
                status: BulkStatus = "unknown" if is_unknown_create_error(error) else "failed"
                self._set(index, status, None, error, attempts=attempts, elapsed=since(started))
            else:
                self._set(index, "created", run, attempts=attempts, elapsed=since(started))
        finally:
            self._runner.tally.end()

    def _set(
        self,
        index: int,
        status: BulkStatus,
        data: Any = None,
        error: BaseException | None = None,
        *,
        attempts: int = 0,
        elapsed: float = 0.0,
    ) -> None:
        result = BulkResult(index, status, data, error, attempts, elapsed, self._keys[index])
        self._runner.set(result)

    # -- settling unknown outcomes -------------------------------------------------------

    async def _reconcile(self, concurrency: int) -> None:
        """Find each unknown outcome's run, or prove it absent and send it again (at
        most ``reconcile_rounds`` times); unproven ones stay unknown."""
        for round_no in range(self._settings.reconcile_rounds + 1):
            unknown = self._unknown()
            if not unknown:
                return
            missing = await self._look_up(unknown)
            if missing and self._grace_left(missing) > 0:
                await sleep(self._grace_left(missing))
                missing = await self._look_up(missing)
            if not missing:
                return
            if round_no == self._settings.reconcile_rounds:
                self._keep_unknown(
                    missing, f"absent after {round_no} resends; not sent again (reconcile_rounds)"
                )
                return
            await self._runner.run(
                [self._send_job(r.index, r.attempts) for r in missing.values()], concurrency
            )

    async def _look_up(self, unknown: dict[str, BulkResult]) -> dict[str, BulkResult]:
        """Settle the unknown items whose run exists; return those proven absent.

        An incomplete search proves nothing: its items stay unknown (with the reason),
        and none is returned unless the caller opted into ``resend_unknown``.
        """
        findings = await self._search.find(unknown.keys())
        missing = self._settle_found(unknown, findings)
        if findings.complete or self._settings.resend_unknown:
            return missing
        self._keep_unknown(missing, f"could not search the runs: {findings.reason}")
        return {}

    def _settle_found(
        self, unknown: dict[str, BulkResult], findings: MarkerFindings
    ) -> dict[str, BulkResult]:
        missing = {}
        for key, old in unknown.items():
            run = findings.first(key)
            if run is not None:
                self._runner.set(with_changes(old, status="reconciled", data=run, error=None))
            else:
                missing[key] = old
        return missing

    def _grace_left(self, missing: dict[str, BulkResult]) -> float:
        """Seconds until the last of ``missing`` was sent ``grace`` seconds ago (an item
        sent by an earlier process at an unknown time counts as sent just now)."""
        now = time.time()
        last = max(self._sent_at.get(r.index, now) for r in missing.values())
        return min(self._settings.grace, last + self._settings.grace - now)

    def _keep_unknown(self, items: dict[str, BulkResult], why: str) -> None:
        for old in items.values():
            error = OutcomeUnknownError(f"outcome unknown: {why}")
            error.__cause__ = old.error if old.error is not error else None
            self._runner.set(with_changes(old, status="unknown", data=None, error=error))

    def _unknown(self) -> dict[str, BulkResult]:
        return {
            r.key: r
            for r in self._runner.current()
            if r is not None and r.status == "unknown" and r.key is not None
        }

    # -- the audit -----------------------------------------------------------------------

    def _apply(self, audit: BulkAudit) -> None:
        """Correct each result from what the server holds."""
        for result in self._runner.current():
            if result is not None and (corrected := audited(result, audit)) is not result:
                self._runner.set(corrected)
