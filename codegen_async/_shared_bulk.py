"""One bulk create job split between workers on many hosts, each input created once.

Every worker runs :meth:`AsyncSharedBulkJob.work` on the same job; the shared ledger
(:class:`~._ledger.AsyncJobLedger`) hands out the items, and the client's shared rate
limiter (``rate_limit_backend``) paces all of them as one. Runs carry the same marker
as the single-process bulk runner (``metadata["codegen_client"] = {"job", "key"}``),
so an item whose create had no clear answer, or that a dead worker left behind, is
looked up through the list endpoint before it is ever created again. See docs/scale.md.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from ._backend import (
    AsyncEvent,
    AsyncLock,
    Job,
    background_task,
    gather_bounded,
    monotonic,
    sleep,
    wait_event,
)
from ._bulktypes import (
    MARKER_KEY,
    BulkResult,
    BulkStatus,
    config_key,
    describe_error,
    is_retryable_create_error,
    is_unknown_create_error,
    marker_of,
)
from ._ledger import AsyncJobLedger
from .errors import CodegenError, OutcomeUnknownError, ValidationError
from .models import AgentRun

if TYPE_CHECKING:
    from ._client import AsyncCodegenClient

__all__ = ["AsyncSharedBulkJob"]

_CREATE_KEYS = frozenset({"prompt", "metadata", "images", "repo_id", "model", "agent_type"})


class AsyncSharedBulkJob:
    """A bulk create job that any number of workers, on any hosts, work on together.

    ::

        job = AsyncSharedBulkJob(client, "nightly-2025-06-21")  # Redis: rate_limit_backend
        await job.submit(configs)          # once, anywhere (repeating it is harmless)
        await job.work(max_concurrent=5)   # on every worker
        results = await job.results()      # one BulkResult per input, in order

    Args:
        client: A client whose ``rate_limit_backend`` is the shared Redis (so that all
            workers share the token's limits).
        job_id: The job's name, the same on every worker (at most 64 characters).
        org_id: The organization (``None``: the client's).
        redis_url: The ledger's Redis (default: the client's ``rate_limit_backend``).
        lease: Seconds after which a silent worker's items are taken over.
        max_attempts: Sends of one create when the server certainly did not act.
        reconcile_pages: Pages of 100 runs a lookup of unknown outcomes may scan.
        idle_timeout: Seconds to wait for items other workers hold before giving up.
    """

    def __init__(
        self,
        client: AsyncCodegenClient,
        job_id: str,
        *,
        org_id: int | None = None,
        redis_url: str | None = None,
        lease: float = 60.0,
        max_attempts: int = 3,
        reconcile_pages: int = 100,
        idle_timeout: float | None = None,
    ) -> None:
        url = redis_url or client.config.rate_limit_backend
        if not url:
            raise ValidationError(
                "a shared bulk job needs Redis: set rate_limit_backend on the client "
                "(so that workers also share the rate limits) or pass redis_url"
            )
        self._client = client
        self._org_id = org_id
        self.ledger = AsyncJobLedger(url, job_id, lease=lease)
        self.job_id = job_id
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.max_attempts = max_attempts
        self.reconcile_pages = reconcile_pages
        self.idle_timeout = 3 * lease if idle_timeout is None else idle_timeout
        self._held: dict[str, int] = {}  # items this worker holds: key -> index
        self._held_lock = AsyncLock()
        self._user_id: int | None = None

    async def submit(self, configs: Sequence[Mapping[str, Any]]) -> int:
        """Store the inputs in the ledger (each a ``create_agent_run`` keyword dict)."""
        items = list(configs)
        for index, config in enumerate(items):
            problem = _problem(config)
            if problem:
                raise ValidationError(f"input {index}: {problem}")
        return await self.ledger.submit(items)

    async def work(self, max_concurrent: int = 5) -> list[BulkResult]:
        """Take items until every one is settled; returns those this worker settled."""
        if isinstance(max_concurrent, bool) or not isinstance(max_concurrent, int):
            raise ValidationError("max_concurrent must be a positive integer")
        org = self._client._org(self._org_id)
        inputs = await self.ledger.inputs()
        keys = [config_key(i, c) for i, c in enumerate(inputs)]
        mine: list[BulkResult] = []
        stop = AsyncEvent()
        beat = background_task(lambda: self._heartbeat(stop), "codegen-ledger-lease")
        try:
            todo = list(range(len(inputs)))
            idle_since = monotonic()
            while todo:
                unknown: list[int] = []
                busy: list[int] = []
                found = _Pass(mine, unknown, busy)
                jobs = [self._item_job(org, i, inputs[i], keys[i], found) for i in todo]
                await gather_bounded(jobs, max(1, max_concurrent))
                if unknown:
                    await self._reconcile(org, unknown, inputs, keys, mine)
                if len(busy) < len(todo):
                    idle_since = monotonic()
                elif monotonic() - idle_since > self.idle_timeout:
                    break  # other workers hold these and are alive; they will settle them
                todo = busy
                if todo:
                    await sleep(min(0.2, self.ledger.lease / 4))
        finally:
            stop.set()
            await beat.stop()
            await self._give_back()
        return sorted(mine, key=lambda r: r.index)

    def _item_job(
        self,
        org: int,
        index: int,
        config: Mapping[str, Any],
        key: str,
        found: _Pass,
    ) -> Job[None]:
        async def job() -> None:
            state, _ = await self.ledger.claim(key, self.worker)
            if state == "done":
                return
            if state == "busy":
                found.busy.append(index)
                return
            async with self._held_lock:
                self._held[key] = index
            if state == "retry":
                found.unknown.append(index)  # a dead worker's: look it up before creating
                return
            result = await self._create(org, index, config, key)
            if result.status == "unknown":
                found.unknown.append(index)  # still held: looked up after this pass
            else:
                await self._settle(result, found.mine)

        return job

    async def _create(
        self, org: int, index: int, config: Mapping[str, Any], key: str, attempts: int = 0
    ) -> BulkResult:
        kwargs = dict(config)
        kwargs["metadata"] = {**(config.get("metadata") or {}), MARKER_KEY: _marker(self, key)}
        started = monotonic()
        while True:
            attempts += 1
            try:
                run = await self._client.create_agent_run(org, **kwargs)
            except CodegenError as exc:
                if is_retryable_create_error(exc) and attempts < self.max_attempts:
                    continue
                status: BulkStatus = "unknown" if is_unknown_create_error(exc) else "failed"
                return BulkResult(index, status, None, exc, attempts, monotonic() - started, key)
            return BulkResult(index, "created", run, None, attempts, monotonic() - started, key)

    async def _settle(self, result: BulkResult, mine: list[BulkResult]) -> None:
        """Record an item's outcome (the first record stands) and let its claim go."""
        key = result.key or ""
        record = {
            "status": result.status,
            "run": msgspec.to_builtins(result.data) if result.data is not None else None,
            "error": describe_error(result.error),
            "worker": self.worker,
            "attempts": result.attempts,
        }
        if await self.ledger.record(key, self.worker, record):
            mine.append(result)
        async with self._held_lock:
            self._held.pop(key, None)

    async def _reconcile(
        self,
        org: int,
        indexes: list[int],
        inputs: list[dict[str, Any]],
        keys: list[str],
        mine: list[BulkResult],
    ) -> None:
        """Look up items whose create may have happened; create only those proven
        absent. One still unknown after that is recorded so: a duplicate is worse."""
        wanted = {keys[i]: i for i in indexes}
        found, exhaustive = await self._find_marked(org, set(wanted))
        for key, index in wanted.items():
            run = found.get(key)
            if run is not None:
                result = BulkResult(index, "reconciled", run, None, 0, 0.0, key)
            elif exhaustive:
                result = await self._create(org, index, inputs[index], key)
            else:
                error = OutcomeUnknownError("the run could not be found within reconcile_pages")
                result = BulkResult(index, "unknown", None, error, 0, 0.0, key)
            await self._settle(result, mine)

    async def _find_marked(self, org: int, keys: set[str]) -> tuple[dict[str, AgentRun], bool]:
        """Scan the token's API runs, newest first, for this job's markers."""
        if self._user_id is None:
            self._user_id = (await self._client.get_current_user()).id
        found: dict[str, AgentRun] = {}
        for page_no in range(1, self.reconcile_pages + 1):
            page = await self._client.get_agent_runs(
                org, page_no, 100, user_id=self._user_id, source_type="API", cache=False
            )
            for run in page.items:
                marker = marker_of(run)
                if marker is not None and marker[0] == self.job_id and marker[1] in keys:
                    found.setdefault(marker[1], run)
            if len(found) == len(keys) or len(page.items) < 100 or page_no * 100 >= page.total:
                return found, True
        return found, False

    async def _heartbeat(self, stop: AsyncEvent) -> None:
        """Keep this worker's claims alive while it works."""
        while not await wait_event(stop, self.ledger.lease / 3):
            async with self._held_lock:
                held = list(self._held)
            # Redis lost: the limiter stops requests meanwhile; the claims lapse safely.
            with contextlib.suppress(CodegenError):
                await self.ledger.renew(held, self.worker)

    async def _give_back(self) -> None:
        """After an interruption: items held but never sent are returned at once."""
        async with self._held_lock:
            held, self._held = dict(self._held), {}
        for key in held:
            try:
                await self.ledger.unclaim(key, self.worker)
            except CodegenError:
                return

    async def results(self) -> list[BulkResult]:
        """One result per input, in order, from the ledger; items not settled yet are
        ``"unknown"`` (still held by a worker) or ``"cancelled"`` (never claimed)."""
        inputs = await self.ledger.inputs()
        records = await self.ledger.records()
        out = []
        for index, config in enumerate(inputs):
            key = config_key(index, config)
            rec = records.get(key)
            if rec is None:
                out.append(BulkResult(index, "cancelled", key=key))
                continue
            run = msgspec.convert(rec["run"], AgentRun) if rec.get("run") else None
            error = CodegenError(rec["error"]) if rec.get("error") else None
            out.append(
                BulkResult(index, rec["status"], run, error, rec.get("attempts", 0), 0.0, key)
            )
        return out

    async def aclose(self) -> None:
        """Close the ledger's Redis connections (the client is the caller's to close)."""
        await self.ledger.aclose()

    async def __aenter__(self) -> AsyncSharedBulkJob:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} job={self.job_id!r} worker={self.worker!r}>"


class _Pass:
    """What one pass over the items found: results settled, items to look up, items
    other workers hold."""

    def __init__(self, mine: list[BulkResult], unknown: list[int], busy: list[int]) -> None:
        self.mine = mine
        self.unknown = unknown
        self.busy = busy


def _marker(job: AsyncSharedBulkJob, key: str) -> dict[str, str]:
    return {"job": job.job_id, "key": key}


def _problem(config: Any) -> str:
    if not isinstance(config, Mapping):
        return f"expected a dict, got {type(config).__name__}"
    unknown = set(config) - _CREATE_KEYS
    if unknown:
        return f"unknown keys {sorted(map(str, unknown))}; allowed: {sorted(_CREATE_KEYS)}"
    prompt = config.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return "needs a non-empty string 'prompt'"
    metadata = config.get("metadata")
    if metadata is not None and not isinstance(metadata, Mapping):
        return "metadata must be a dict"
    return ""
