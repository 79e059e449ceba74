"""The run watcher: many runs per request, events, and runs falling off the first page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from codegen_async import AsyncCodegenClient, ValidationError, WaitTimeoutError
from codegen_async.emulator import Emulator
from codegen_async.events import (
    AGENT_RUN_COMPLETED,
    AGENT_RUN_FAILED,
    AGENT_RUN_STATUS_CHANGED,
    RunEvent,
)

from .conftest import config_for


def steer(outcome: str, duration: float) -> dict[str, object]:
    return {"emulator": {"outcome": outcome, "duration": duration}}


FAST: dict[str, Any] = {"poll_interval": 0.02, "max_poll_interval": 0.1}


async def create(client: AsyncCodegenClient, n: int, outcome: str, duration: float) -> list[int]:
    results = await client.bulk_create_agent_runs(
        None, [{"prompt": f"w{i}", "metadata": steer(outcome, duration)} for i in range(n)], 20
    )
    return [r.data.id for r in results if r.data is not None]


class TestWaitForAll:
    async def test_returns_final_runs_in_input_order(self, client: AsyncCodegenClient) -> None:
        """wait_for_all returns every run, finished, keyed by id in the order given."""
        ids = await create(client, 30, "COMPLETE", 5.0)
        runs = await client.wait_for_all(None, list(reversed(ids)), timeout=30, **FAST)
        assert list(reversed(ids)) == list(runs)
        assert {"COMPLETE"} == {run.status for run in runs.values()}

    async def test_few_requests_for_many_runs(self, client: AsyncCodegenClient) -> None:
        """150 runs are followed through the list endpoint: no single GET, few pages."""
        ids = await create(client, 150, "COMPLETE", 10.0)
        watcher = client.watch_agent_runs(None, ids, **FAST)
        await watcher.wait(timeout=30)
        stats = watcher.statistics()
        assert 0 == stats.get_requests
        assert stats.list_requests <= 2 * stats.sweeps
        assert 0 == stats.pending

    async def test_timeout_raises_with_last_seen_runs(self, client: AsyncCodegenClient) -> None:
        """A run that outlives the timeout raises WaitTimeoutError carrying what was seen."""
        [run_id] = await create(client, 1, "COMPLETE", 10_000.0)
        with pytest.raises(WaitTimeoutError) as info:
            await client.wait_for_all(None, [run_id], timeout=0.2, **FAST)
        assert "ACTIVE" == info.value.last_run[run_id].status

    async def test_bad_arguments(self, client: AsyncCodegenClient, emulator: Emulator) -> None:
        """Bad run ids or intervals are ValidationErrors before any request."""
        with pytest.raises(ValidationError):
            client.watch_agent_runs(None, [0])
        with pytest.raises(ValidationError):
            client.watch_agent_runs(None, "123")  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            client.watch_agent_runs(None, [1], poll_interval=0)
        assert 0 == emulator.accounting.total("requests")


class TestEvents:
    async def test_one_terminal_event_per_run_with_webhook_names(
        self, client: AsyncCodegenClient
    ) -> None:
        """Each run yields exactly one terminal event: completed or failed by its status."""
        ok = await create(client, 4, "COMPLETE", 3.0)
        bad = await create(client, 3, "ERROR", 3.0)
        events: list[RunEvent] = []
        async for event in client.watch_agent_runs(None, ok + bad, **FAST):
            events.append(event)
        terminal = Counter((e.type, int(e.id)) for e in events if e.is_terminal)
        expected = {(AGENT_RUN_COMPLETED, i): 1 for i in ok}
        expected.update({(AGENT_RUN_FAILED, i): 1 for i in bad})
        assert expected == dict(terminal)
        failed = next(e for e in events if e.type == AGENT_RUN_FAILED)
        assert ("ERROR", failed.data.id) == (failed["status"], int(failed["id"]))

    async def test_paused_ends_the_watch_with_a_status_change(
        self, client: AsyncCodegenClient
    ) -> None:
        """A run that pauses for input raises agent_run.status_changed and is done."""
        [run_id] = await create(client, 1, "PAUSED", 2.0)
        events = [e async for e in client.watch_agent_runs(None, [run_id], **FAST)]
        assert [(AGENT_RUN_STATUS_CHANGED, "ACTIVE", "PAUSED")] == [
            (e.type, e.previous_status, e.data.status) for e in events
        ]

    async def test_on_event_feeds_a_handler(self, client: AsyncCodegenClient) -> None:
        """wait_for_all passes every event to on_event (e.g. a webhook handler's dispatch)."""
        ids = await create(client, 3, "COMPLETE", 1.0)
        seen: list[str] = []
        await client.wait_for_all(None, ids, timeout=30, on_event=lambda e: seen.append(e.type))
        assert [AGENT_RUN_COMPLETED] * 3 == seen


class TestListingShifts:
    async def test_runs_pushed_off_the_first_page_are_still_followed(
        self, client: AsyncCodegenClient
    ) -> None:
        """Watched runs pushed to later pages by 250 newer runs are found there, not by GETs."""
        watched = await create(client, 5, "COMPLETE", 30.0)
        watcher = client.watch_agent_runs(None, watched, **FAST)
        assert [] == await watcher.sweep()  # located on page 1
        await create(client, 250, "COMPLETE", 10_000.0)  # newer runs: ours move to page 3
        runs = await watcher.wait(timeout=30)
        assert {"COMPLETE"} == {r.status for r in runs.values()}
        assert 0 == watcher.statistics().get_requests

    async def test_runs_outside_the_filtered_listing_fall_back_to_get(
        self, codegen_emulator_factory: Callable[..., Emulator]
    ) -> None:
        """A run the API listing filter cannot show (not an API run) is read with GETs."""
        emulator = codegen_emulator_factory(time_scale=0.01, rate_limits="off")
        slack = emulator.state.create_run(
            emulator.org_id, 1, "from slack", source_type="SLACK", outcome="COMPLETE", duration=2.0
        )
        async with AsyncCodegenClient(config_for(emulator)) as client:
            api = await create(client, 2, "COMPLETE", 2.0)
            watcher = client.watch_agent_runs(None, [slack.id, *api], **FAST)
            runs = await watcher.wait(timeout=30)
        assert [slack.id, *api] == list(runs)
        assert {"COMPLETE"} == {r.status for r in runs.values()}
        stats = watcher.statistics()
        assert stats.get_requests >= 1
        assert stats.get_requests <= stats.sweeps  # only the one run is read singly
