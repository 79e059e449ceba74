"""Watching many agent runs from few requests: the list endpoint as a batch status read.

One page of ``GET /agent/runs`` (newest first, 100 per page, filtered to the token's
user and ``source_type=API``) refreshes up to 100 runs for the price of one request,
where per-run polling pays one request per run. The watcher remembers where each run
sits in that listing; new runs only ever push older ones down (newest first), so the
page's ``total`` tells how far they moved, and each sweep fetches only the pages that
hold unfinished runs. A run it cannot find that way is read with a single GET.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._http._backend import Job, gather_bounded, monotonic, sleep
from ._http._validate import check_bool, check_count, check_id, check_positive, resolve_org
from .errors import (
    AuthenticationError,
    CodegenError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    WaitTimeoutError,
)
from .events import RunEvent, event_type_for, make_event
from .models import PAUSED_STATUSES, TERMINAL_STATUSES, AgentRun

if TYPE_CHECKING:
    from ._protocol import AsyncClientAPI

__all__ = ["AsyncRunWatcher", "WatchStatistics"]

logger = logging.getLogger("codegen")

_PAGE = 100
# Errors that no later sweep can cure: they end the watch.
_FATAL = (AuthenticationError, PermissionDeniedError, NotFoundError, ValidationError)


@dataclass(frozen=True)
class WatchStatistics:
    """What a watcher has spent: sweeps, list pages, single GETs, events."""

    sweeps: int
    list_requests: int
    get_requests: int
    events: int
    pending: int

    @property
    def requests(self) -> int:
        """Every request made (list pages plus single GETs)."""
        return self.list_requests + self.get_requests


class AsyncRunWatcher:
    """Watches agent runs until each finishes; yields a :class:`RunEvent` per change.

    Get one from ``client.watch_agent_runs(org_id, run_ids)``::

        async for event in client.watch_agent_runs(323, run_ids):
            print(event.type, event.data.id, event.data.status)

    Args:
        client: The client to read with (its rate limits pace the watcher).
        org_id: The organization of the runs.
        run_ids: The runs to watch.
        poll_interval: Seconds before the second sweep (default: the client's
            ``poll_interval``). Later sweeps wait ``backoff`` times the time watched so
            far (run durations are long-tailed), at most ``max_poll_interval``.
        backoff: See ``poll_interval``. The defaults (2.0, at most 120 s) spend about 20
            times fewer requests than per-run polling; lower values learn sooner for more
            requests (``docs/bulk.md`` has the measured trade-off).
        stop_on_paused: Treat ``PAUSED`` (waiting for input) as the end of a watch.
        use_list: Read through the list endpoint (``False``: single GETs only).
        max_scan_pages: Pages one sweep may scan to find runs it has not located yet.
    """

    def __init__(
        self,
        client: AsyncClientAPI,
        org_id: int | None,
        run_ids: Iterable[int],
        *,
        poll_interval: float | None = None,
        max_poll_interval: float = 120.0,
        backoff: float = 2.0,
        stop_on_paused: bool = True,
        use_list: bool = True,
        max_scan_pages: int = 20,
    ) -> None:
        self._client = client
        self._org = resolve_org(org_id, client.config.org_id)
        if isinstance(run_ids, str | bytes) or not isinstance(run_ids, Iterable):
            raise ValidationError("run_ids must be a list (or another iterable) of run ids")
        self._ids = list(dict.fromkeys(check_id("run_id", r) for r in run_ids))
        interval = client.config.poll_interval if poll_interval is None else poll_interval
        if not _positive(interval) or not _positive(max_poll_interval) or not _positive(backoff):
            raise ValidationError("poll_interval, max_poll_interval and backoff must be positive")
        self._interval = float(interval)
        self._max_interval = max(float(max_poll_interval), self._interval)
        self._backoff = float(backoff)
        paused = PAUSED_STATUSES if check_bool("stop_on_paused", stop_on_paused) else set()
        self._settled_statuses = TERMINAL_STATUSES | paused
        self._use_list = check_bool("use_list", use_list)
        self._max_scan = max(1, check_count("max_scan_pages", max_scan_pages))
        self.runs: dict[int, AgentRun] = {}
        """The latest state seen of each run."""
        self._pending = set(self._ids)
        self._pos: dict[int, int] = {}
        self._total: int | None = None
        self._get_only: set[int] = set()
        self._user: int | None = None
        self._user_known = False
        self._sweeps = self._lists = self._gets = self._events = 0

    # -- public --------------------------------------------------------------------------

    @property
    def pending(self) -> frozenset[int]:
        """Runs still being watched."""
        return frozenset(self._pending)

    def statistics(self) -> WatchStatistics:
        """Requests spent so far and runs still pending."""
        return WatchStatistics(
            self._sweeps, self._lists, self._gets, self._events, len(self._pending)
        )

    def __aiter__(self) -> AsyncIterator[RunEvent]:
        return self.events()

    async def events(self, timeout: float | None = None) -> AsyncIterator[RunEvent]:
        """Every status change and every run reaching the end, until all have.

        Raises :class:`WaitTimeoutError` after ``timeout`` seconds, if given.
        """
        started = monotonic()
        deadline = None if timeout is None else started + check_positive("timeout", timeout)
        while self._pending:
            events = await self.sweep()
            for event in events:
                yield event
            if not self._pending:
                return
            # Run durations are long-tailed: a run that has worked for t seconds will
            # likely work about as long again, so sweeps grow with the time watched.
            watched = monotonic() - started
            interval = min(max(self._interval, watched * self._backoff), self._max_interval)
            if deadline is not None:
                left = deadline - monotonic()
                if left <= 0:
                    raise WaitTimeoutError(
                        f"{len(self._pending)} of {len(self._ids)} agent runs still unfinished "
                        f"after {timeout:g} s",
                        last_run=dict(self.runs),
                    )
                await sleep(min(interval, left))
            else:
                await sleep(interval)

    async def wait(
        self,
        timeout: float | None = None,
        on_event: Callable[[RunEvent], Any] | None = None,
    ) -> dict[int, AgentRun]:
        """Wait until every run has finished; return the final runs by id, in input order.

        ``on_event`` is called with every event (a webhook handler's dispatch fits).
        Raises :class:`WaitTimeoutError` (with ``last_run``: the runs by id) on timeout.
        """
        async for event in self.events(timeout):
            if on_event is not None:
                on_event(event)
        return {i: self.runs[i] for i in self._ids if i in self.runs}

    # -- one sweep -----------------------------------------------------------------------

    async def sweep(self) -> list[RunEvent]:
        """Refresh every pending run once; return the events it produced."""
        self._sweeps += 1
        seen: dict[int, AgentRun] = {}
        listed = self._pending - self._get_only
        if self._use_list and listed:
            try:
                await self._sweep_list(listed, seen)
            except _FATAL:
                raise
            except CodegenError as exc:
                logger.info("watcher: list sweep failed, will retry: %s", exc)
        missing = [i for i in self._ids if i in self._pending and i not in seen]
        if missing:
            await self._get_each(missing, seen)
        return self._apply(seen)

    async def _sweep_list(self, listed: set[int], seen: dict[int, AgentRun]) -> None:
        user = await self._user_id()
        fetched: set[int] = set()
        unlocated = {i for i in listed if i not in self._pos}
        scan_budget = -(-len(unlocated) // _PAGE) + 2 if unlocated else 0
        scan_next = 0
        while True:
            wanted = sorted(
                {self._pos[i] // _PAGE for i in listed if i in self._pos and i not in seen}
                - fetched
            )
            if wanted:
                page_no = wanted[0]
            elif unlocated - seen.keys() and scan_budget > 0 and len(fetched) < self._max_scan:
                while scan_next in fetched:
                    scan_next += 1
                page_no = scan_next
                scan_budget -= 1
            else:
                break
            hits = await self._read_page(page_no, user, listed, seen)
            fetched.add(page_no)
            if hits and not wanted:
                scan_budget = max(scan_budget, 1)  # runs continue on the next page
            if hits < 0:  # past the end of the listing
                scan_budget = 0
        # Located runs missing where they should be: forget their place (a GET reads them).
        for i in listed:
            if i not in seen:
                self._pos.pop(i, None)
                if i in unlocated:
                    self._get_only.add(i)

    async def _read_page(
        self, page_no: int, user: int | None, listed: set[int], seen: dict[int, AgentRun]
    ) -> int:
        """Fetch one page; record where watched runs sit. Returns hits, or -1 at the end."""
        self._lists += 1
        page = await self._client.get_agent_runs(
            self._org, page_no + 1, _PAGE, user_id=user, source_type="API", cache=False
        )
        if self._total is not None and page.total != self._total:
            shift = page.total - self._total
            self._pos = {i: p + shift for i, p in self._pos.items()}
        self._total = page.total
        hits = 0
        for offset, run in enumerate(page.items):
            if run.id in listed:
                seen[run.id] = run
                self._pos[run.id] = page_no * _PAGE + offset
                hits += 1
        if len(page.items) < _PAGE:
            return hits if hits else -1
        return hits

    async def _get_each(self, ids: list[int], seen: dict[int, AgentRun]) -> None:
        async def get(run_id: int) -> None:
            self._gets += 1
            try:
                seen[run_id] = await self._client.get_agent_run(self._org, run_id, cache=False)
            except _FATAL:
                raise
            except CodegenError as exc:
                logger.info("watcher: reading run %d failed, will retry: %s", run_id, exc)

        def job(run_id: int) -> Job[None]:
            return lambda: get(run_id)

        await gather_bounded([job(i) for i in ids], 4)

    async def _user_id(self) -> int | None:
        if not self._user_known:
            try:
                self._user = (await self._client.get_current_user()).id
            except _FATAL:
                raise
            except CodegenError:
                return None  # unfiltered this time; ask again next sweep
            self._user_known = True
        return self._user

    def _apply(self, seen: dict[int, AgentRun]) -> list[RunEvent]:
        events: list[RunEvent] = []
        for run_id in self._ids:
            run = seen.get(run_id)
            if run is None or run_id not in self._pending:
                continue
            before = self.runs.get(run_id)
            previous = before.status if before is not None else None
            self.runs[run_id] = run
            status = (run.status or "").upper()
            settled = status in self._settled_statuses
            kind = event_type_for(previous, run.status)
            if before is None and not settled:
                kind = None  # first sight of a working run is not a change
            if kind is not None:
                events.append(make_event(run, previous, kind))
            if settled:
                self._pending.discard(run_id)
                self._pos.pop(run_id, None)
        self._events += len(events)
        return events

    def __repr__(self) -> str:
        return f"<{type(self).__name__} runs={len(self._ids)} pending={len(self._pending)}>"


def _positive(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value > 0
