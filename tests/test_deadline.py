"""Unit tests of the async client's coarse request deadlines (``codegen_async._http._deadline``)."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from codegen_async._http._deadline import Deadlines


async def _guarded(deadlines: Deadlines, timeout: float, work: float) -> str:
    """What a request does: arm, await, and tell a timeout from a cancellation."""
    task = asyncio.current_task()
    assert task is not None
    armed = deadlines.start(task, timeout)
    try:
        await asyncio.sleep(work)
        return "done"
    except asyncio.CancelledError:
        if deadlines.timed_out(task):
            return "timed out"
        raise
    finally:
        armed.discard(task)


async def test_expiry_ends_the_request_as_a_timeout_not_before_its_deadline() -> None:
    deadlines = Deadlines(asyncio.get_running_loop())
    started = time.monotonic()
    assert "timed out" == await _guarded(deadlines, 0.05, 5.0)
    elapsed = time.monotonic() - started
    # Never before the timeout; "timed out" above already shows the deadline, not the 5 s of
    # work, ended it.
    assert 0.05 <= elapsed
    deadlines.close()


async def test_a_request_done_in_time_is_left_alone() -> None:
    deadlines = Deadlines(asyncio.get_running_loop())
    assert "done" == await _guarded(deadlines, 0.05, 0.0)
    await asyncio.sleep(0.1)  # past the deadline: the disarmed task is not cancelled
    assert not deadlines._expired
    deadlines.close()


async def test_an_outside_cancellation_propagates() -> None:
    deadlines = Deadlines(asyncio.get_running_loop())
    task = asyncio.ensure_future(_guarded(deadlines, 10.0, 10.0))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    deadlines.close()


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Task.uncancel() is 3.11+")
async def test_an_outside_cancellation_at_expiry_still_propagates() -> None:
    loop = asyncio.get_running_loop()
    deadlines = Deadlines(loop)
    task = asyncio.ensure_future(_guarded(deadlines, 0.05, 10.0))
    await asyncio.sleep(0)  # the task arms its deadline
    deadlines._expire(next(iter(deadlines._slots)))  # the deadline fires ...
    task.cancel()  # ... and someone cancels the task too
    with pytest.raises(asyncio.CancelledError):
        await task
    deadlines.close()


async def test_requests_due_in_one_tick_share_one_timer() -> None:
    deadlines = Deadlines(asyncio.get_running_loop())
    tasks = [asyncio.ensure_future(_guarded(deadlines, 60.0, 0.05)) for _ in range(50)]
    await asyncio.sleep(0)
    assert len(deadlines._handles) <= 2  # 50 requests, one slot (two at a tick boundary)
    assert ["done"] * 50 == await asyncio.gather(*tasks)
    deadlines.close()


async def test_close_cancels_every_timer() -> None:
    deadlines = Deadlines(asyncio.get_running_loop())
    task = asyncio.current_task()
    assert task is not None
    armed = deadlines.start(task, 60.0)
    handles = list(deadlines._handles.values())
    armed.discard(task)
    deadlines.close()
    assert handles and all(h.cancelled() for h in handles)
    assert not deadlines._handles and not deadlines._slots
