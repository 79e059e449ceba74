"""The state of one running bulk job: its results, its tally and its callbacks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._http._backend import Job, gather_bounded, monotonic
from ._args import ProgressFn, ResultFn
from ._progress import Tally
from ._types import BulkResult

if TYPE_CHECKING:
    from .._protocol import AsyncClientAPI

__all__ = ["BulkRunner"]


class BulkRunner:
    """The state of one job: its results, its tally and its callbacks."""

    def __init__(
        self,
        client: AsyncClientAPI,
        total: int,
        results: list[BulkResult | None],
        on_result: ResultFn | None,
        on_progress: ProgressFn | None,
    ) -> None:
        self._client = client
        self._results = results
        self._on_result = on_result
        self._on_progress = on_progress
        self.tally = Tally(total, monotonic(), self._waited(), client.get_rate_limit_status)

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
