"""Finding a bulk job's runs on the server by their markers: origin, search, audit.

The Codegen API has no idempotency key: the list endpoint is the only way to learn what
the server did with a create whose answer was lost. Every bulk create carries a marker
(``metadata["codegen_client"] = {"job", "key"}``), and this module searches the token's
runs, newest first, back to the job's :class:`~._types.JobOrigin`, paging as far as
that needs. Reconciliation (which inputs already have a run) and the audit (how many
runs each input has) are the same search.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from .._http._backend import sleep
from ..errors import CodegenError
from ..models import AgentRun, Page
from ._types import BulkAudit, JobOrigin, created_at_utc, marker_of

if TYPE_CHECKING:
    from .._protocol import AsyncClientAPI

__all__ = ["DEFAULT_CLOCK_SKEW", "AsyncMarkerSearch", "MarkerFindings", "take_origin"]

logger = logging.getLogger("codegen")

DEFAULT_CLOCK_SKEW = 600.0
"""Seconds the client's clock may be off the server's, for an origin without anchor."""

_PAGE = 100  # the API's largest page
# Reads of one page before the search gives up (the client retries inside each), with
# pauses from 0.1 s doubling: about 6 s of patience, enough to ride out a short
# outage (a restarting shared limiter) rather than leave items unknown.
_PAGE_TRIES = 7
_MAX_PAGES = 100_000  # ten million runs: a bound for the loop, never reached in practice


class MarkerFindings:
    """What one search found: runs by input key, and whether it reached the origin."""

    __slots__ = ("complete", "pages", "reason", "runs")

    def __init__(
        self, runs: dict[str, list[AgentRun]], complete: bool, reason: str, pages: int
    ) -> None:
        self.runs = runs
        self.complete = complete
        self.reason = reason
        self.pages = pages

    def first(self, key: str) -> AgentRun | None:
        """The oldest run found for ``key``."""
        runs = self.runs.get(key)
        return min(runs, key=lambda r: r.id) if runs else None


async def take_origin(client: AsyncClientAPI, org: int) -> JobOrigin:
    """The origin of a job about to send its first create (one small list request)."""
    started = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
    try:
        user_id = (await client.get_current_user()).id
        page = await client.get_agent_runs(
            org, 1, 1, user_id=user_id, source_type="API", cache=False
        )
    except CodegenError as exc:
        logger.warning("bulk job: could not read the newest run (%s); using the clock", exc)
        return JobOrigin(started, None, anchored=False)
    if not page.items:
        return JobOrigin(started, None, anchored=True)
    anchor = created_at_utc(page.items[0])
    return JobOrigin(started, anchor, anchored=anchor is not None)


class AsyncMarkerSearch:
    """Searches the token's API runs for one job's markers, back to the job's origin.

    Args:
        client: The client to list runs with.
        org: The organization the job creates runs in.
        job: The job id in the markers.
        origin: Where the job starts in the list of runs.
        clock_skew: Seconds of margin when the origin has no anchor (clock only).
    """

    def __init__(
        self,
        client: AsyncClientAPI,
        org: int,
        job: str,
        origin: JobOrigin,
        *,
        clock_skew: float = DEFAULT_CLOCK_SKEW,
    ) -> None:
        self._client = client
        self._org = org
        self._job = job
        self._cutoff = origin.cutoff(clock_skew)
        self._user_id: int | None = None
        self._user_known = False

    async def find(self, keys: Collection[str] | None = None) -> MarkerFindings:
        """Every run of the job (``keys`` given: stop once each of them has one)."""
        user_id = await self._user()
        wanted = set(keys) if keys is not None else None
        found: dict[str, list[AgentRun]] = {}
        seen: set[int] = set()
        last_page = 1
        page_no = 1
        while page_no <= min(last_page, _MAX_PAGES):
            page, problem = await self._page(page_no, user_id)
            if page is None:
                return MarkerFindings(found, False, problem, page_no - 1)
            # Runs created during the search push older ones down a page: follow the total.
            last_page = page.total // _PAGE + 2
            for run in page.items:
                if run.id in seen:
                    continue  # pushed down from the page before
                seen.add(run.id)
                marker = marker_of(run)
                if marker is not None and marker[0] == self._job:
                    found.setdefault(marker[1], []).append(run)
            if wanted is not None and wanted.issubset(found):
                return MarkerFindings(found, True, "", page_no)
            if len(page.items) < _PAGE or self._reached_cutoff(page.items):
                return MarkerFindings(found, True, "", page_no)
            page_no += 1
        reason = f"the list of runs did not end within {page_no - 1} pages"
        return MarkerFindings(found, False, reason, page_no - 1)

    async def audit(self, keys: Sequence[str]) -> BulkAudit:
        """Every run of the job, per input: created once, more than once, or never."""
        findings = await self.find()
        return BulkAudit.build(self._job, keys, findings.runs, findings.complete, findings.reason)

    def _reached_cutoff(self, items: list[AgentRun]) -> bool:
        if self._cutoff is None:
            return False
        oldest = created_at_utc(items[-1])
        return oldest is not None and oldest < self._cutoff

    async def _page(self, page_no: int, user_id: int | None) -> tuple[Page[AgentRun] | None, str]:
        """One page, tried a few times; ``(None, why)`` if it cannot be read."""
        problem = ""
        for attempt in range(_PAGE_TRIES):
            try:
                page = await self._client.get_agent_runs(
                    self._org, page_no, _PAGE, user_id=user_id, source_type="API", cache=False
                )
            except CodegenError as exc:
                problem = f"page {page_no} of the runs could not be read ({exc.message})"
                logger.info("marker search: %s", problem)
                if attempt + 1 < _PAGE_TRIES:
                    await sleep(min(0.1 * 2**attempt, 5.0))
            else:
                return page, ""
        return None, problem

    async def _user(self) -> int | None:
        if not self._user_known:
            try:
                self._user_id = (await self._client.get_current_user()).id
            except CodegenError:
                return None  # search unfiltered: slower, still complete
            self._user_known = True
        return self._user_id
